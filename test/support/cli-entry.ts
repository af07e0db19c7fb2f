// Runs the CLI from source in a child process (tests spawn it with tsx to
// vary the environment, such as TZ).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv);
