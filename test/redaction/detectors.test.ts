import { describe, expect, it } from 'vitest';
import {
  DETECTOR_NAMES,
  findAll,
  luhnValid,
  type DetectorName,
} from '../../src/redaction/index.js';

const ALL = new Set<DetectorName>(DETECTOR_NAMES);

/** What the detectors find in `text`, as [detector, matched text]. */
function found(text: string, numericOff = false): [string, string][] {
  return findAll(text, ALL, numericOff).map((f) => [
    f.detector,
    text.slice(f.start, f.end),
  ]);
}

describe('findAll', () => {
  describe('when the text holds an e-mail address', () => {
    it.each([
      'alice@example.com',
      'first.last+tag@mail.example.co.uk',
      'service-1234567890@compute-system.iam.gserviceaccount.com',
    ])('finds %s', (email) => {
      expect(found(`by ${email}, twice`)).toEqual([['email', email]]);
    });
  });

  describe('when the text holds an IPv4 address', () => {
    it.each([
      ['from 192.168.0.1 port 22', '192.168.0.1'],
      ['63.246.22.199,172.16.1.187', '63.246.22.199'],
      ['http://10.0.0.7:8080/x', '10.0.0.7'],
      ['range 10.0.0.1-10.0.0.9', '10.0.0.1'],
    ])('finds it in %j', (text, address) => {
      expect(found(text)[0]).toEqual(['ipv4', address]);
    });
  });

  describe('when the text holds an IPv6 address', () => {
    it.each([
      ['full', '2001:0db8:0a0b:12f0:0000:0000:0000:0001'],
      ['compressed', '2001:db8::1'],
      ['loopback', '::1'],
      ['expanded loopback', '0:0:0:0:0:0:0:1'],
      ['trailing compression', '2001:db8::'],
      ['mixed with an IPv4 tail', '::ffff:192.0.2.128'],
      ['mixed, uncompressed', '64:ff9b:0:0:0:0:192.0.2.33'],
      ['with a zone id', 'fe80::1ff:fe23:4567:890a%eth0'],
      ['upper case', 'FE80::ABCD'],
    ])('finds the %s notation', (_name, address) => {
      expect(found(`peer ${address} port 1`)).toEqual([['ipv6', address]]);
    });

    it('finds it between the brackets of a URL', () => {
      expect(found('https://[2001:db8::7]:8443/path')).toEqual([
        ['ipv6', '2001:db8::7'],
      ]);
    });
  });

  describe('when the text holds a phone number', () => {
    it.each([
      '+1 415 555 0100',
      '+44 20 7946 0958',
      '+4915112345678',
      '(415) 555-0100',
      '415-555-0100',
    ])('finds %s', (phone) => {
      expect(found(`call ${phone} now`)).toEqual([['phone', phone]]);
    });
  });

  describe('when the text holds a card number', () => {
    it.each(['4111111111111111', '4111 1111 1111 1111', '378282246310005'])(
      'finds %s, which passes the Luhn check',
      (card) => {
        expect(found(`card ${card} used`)).toEqual([['card', card]]);
      },
    );

    it('ignores the same digits when the Luhn check fails', () => {
      expect(found('card 4111111111111112 used')).toEqual([]);
    });
  });

  describe('when the text holds a secret', () => {
    it('finds a bearer token, not the word before it', () => {
      const text = 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc123';
      expect(found(text)).toEqual([
        ['bearer-token', 'eyJhbGciOiJIUzI1NiJ9.e30.abc123'],
      ]);
    });

    it('finds an AWS access key id', () => {
      expect(found('key AKIAIOSFODNN7EXAMPLE set')).toEqual([
        ['aws-access-key', 'AKIAIOSFODNN7EXAMPLE'],
      ]);
    });

    it('finds a whole private key block', () => {
      const block =
        '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----';
      expect(found(`key:\n${block}\n`)).toEqual([['private-key', block]]);
    });

    it('finds the value of a password assignment in text', () => {
      expect(found('passphrase: x1\naws_secret_access_key = MY-KEY')).toEqual([
        ['secret-assignment', 'x1'],
        ['secret-assignment', 'MY-KEY'],
      ]);
    });
  });
});

describe('findAll false-positive guards', () => {
  it.each([
    ['a version with a v', 'release v1.2.3.4 is out'],
    ['a version after the word', 'version 1.2.3.4'],
    ['a four-part version in a user agent', 'ec2-api-tools/1.6.12.2'],
    ['a dotted five-part version', '1.2.3.4.5'],
    ['an RFC 3339 timestamp', '2021-10-19T02:57:47.834659236Z'],
    ['a time with an offset', '2022-02-08 09:23:37+11:00'],
    ['a clock time', 'at 10:20:30 today'],
    ['a UUID', '0828c0d2-3589-4390-b954-c78b4a7df44b'],
    ['an all-digit UUID head', '12345678-1234-1234-1234-123456789012'],
    ['a SHA-256 digest', 'sha256:5e2d469d002a40b19922a2e7dca03332a1b2c3d4'],
    [
      'a hex digest',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ],
    [
      'a key fingerprint',
      'RSA 00:aa:bb:cc:dd:ee:ff:11:22:33:44:55:66:77:88:99',
    ],
    ['a MAC address', '00:1a:2b:3c:4d:5e'],
    ['an epoch in milliseconds', '1400681361906'],
    ['a long numeric id', 'i-01234567890123456'],
    ['a C++ scope', 'std::vector'],
    ['the unspecified address alone', 'a :: b'],
    ['a date', '2022-02-08'],
    ['an Azure object id', '/events/587eda65/ticks/111111111111111111'],
  ])('finds nothing in %s', (_name, text) => {
    expect(found(text)).toEqual([]);
  });

  it('leaves dotted numbers in quiet fields alone, but not e-mails', () => {
    expect(found('1.2.3.4', true)).toEqual([]);
    expect(found('4111111111111111', true)).toEqual([]);
    expect(found('a@example.com', true)).toEqual([['email', 'a@example.com']]);
  });
});

describe('luhnValid', () => {
  it('accepts a valid number and refuses a changed digit', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
  });
});
