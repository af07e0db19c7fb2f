import { describe, expect, it } from 'vitest';
import { exactTimeOf } from '../../src/domain/index.js';
import {
  detectEvidence,
  toGenericAuditFields,
  type Detection,
  type GenericAuditFields,
} from '../../src/evidence/index.js';

// Crafted inputs for versions and shapes the corpus lacks. Each builder
// gives the smallest document the spec allows, plus what a test needs.

function detect(name: string, text: string, generic?: GenericAuditFields) {
  return detectEvidence(name, Buffer.from(text), { genericAudit: generic });
}

function documentOf(detection: Detection) {
  if (detection.type !== 'document') {
    throw new Error(JSON.stringify(detection));
  }
  return detection;
}

function eventsOf(detection: Detection) {
  if (detection.type !== 'audit-events') {
    throw new Error(JSON.stringify(detection));
  }
  return detection;
}

function cycloneDxXml(version: string, body = ''): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<bom xmlns="http://cyclonedx.org/schema/bom/${version}" version="1">` +
    `<metadata><timestamp>2026-03-01T10:00:00.123456Z</timestamp>` +
    '<component type="application"><name>app</name><version>2</version>' +
    '</component></metadata><components>' +
    '<component type="library"><name>a</name></component>' +
    '<component type="library"><name>b</name></component>' +
    `</components>${body}</bom>`
  );
}

function statementV1(predicate: object): object {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'app.tgz', digest: { sha256: 'ab'.repeat(32) } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate,
  };
}

const SLSA_V1 = {
  buildDefinition: {
    buildType: 'https://example.com/build/v1',
    resolvedDependencies: [
      {
        uri: 'git+https://example.com/repo@refs/tags/v1',
        digest: { gitCommit: 'c0ffee' },
      },
    ],
  },
  runDetails: {
    builder: { id: 'https://example.com/builder' },
    metadata: {
      startedOn: '2026-03-01T09:00:00Z',
      finishedOn: '2026-03-01T09:05:00.5Z',
    },
  },
};

describe('format readers on crafted inputs', () => {
  describe.each(['1.2', '1.3', '1.5'])('CycloneDX XML %s', (version) => {
    const facts = documentOf(detect('bom.xml', cycloneDxXml(version)));

    it('takes the spec version from the namespace', () => {
      expect(facts).toMatchObject({
        kind: 'sboms',
        format: 'cyclonedx-xml',
        specVersion: version,
        mediaType: 'application/vnd.cyclonedx+xml',
        eventTimeRule: 'metadata/timestamp',
      });
    });

    it('keeps the timestamp to the microsecond', () => {
      expect(exactTimeOf(facts.eventTime as Date)).toBe(
        '2026-03-01T10:00:00.123456Z',
      );
    });

    it('counts components and names the primary one', () => {
      expect(facts.metadata).toMatchObject({
        componentCount: 2,
        primaryComponent: { name: 'app', version: '2' },
      });
    });
  });

  describe('a CycloneDX JSON BOM with a duplicate and a dangling bom-ref', () => {
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      components: [
        { type: 'library', name: 'a', 'bom-ref': 'pkg:a' },
        { type: 'library', name: 'a2', 'bom-ref': 'pkg:a' },
      ],
      dependencies: [{ ref: 'pkg:a', dependsOn: ['pkg:missing'] }],
    };
    const facts = documentOf(detect('bom.json', JSON.stringify(bom)));

    it('is still read as an SBOM', () => {
      expect(facts).toMatchObject({ kind: 'sboms', specVersion: '1.5' });
    });

    it('warns on both, naming the refs', () => {
      expect(facts.warnings).toEqual([
        'bom-ref given more than once: "pkg:a"',
        'dependency on a bom-ref that nothing declares: "pkg:missing"',
      ]);
    });
  });

  describe('SPDX 2.3 tag-value', () => {
    const text = [
      'SPDXVersion: SPDX-2.3',
      'DataLicense: CC0-1.0',
      'SPDXID: SPDXRef-DOCUMENT',
      'DocumentName: demo',
      'DocumentNamespace: https://example.com/spdx/demo-1',
      'Creator: Tool: demo-1.0',
      'Created: 2026-02-01T00:00:00Z',
      '',
      'PackageName: left-pad',
      'SPDXID: SPDXRef-Package-1',
      'PackageDownloadLocation: NOASSERTION',
    ].join('\n');

    it('reads version, namespace, creators, packages and time', () => {
      expect(documentOf(detect('demo.spdx', text))).toMatchObject({
        format: 'spdx-tag-value',
        specVersion: '2.3',
        eventTimeRule: 'Created:',
        metadata: {
          documentNamespace: 'https://example.com/spdx/demo-1',
          creators: ['Tool: demo-1.0'],
          packageCount: 1,
        },
      });
    });
  });

  describe('an in-toto v1 statement with SLSA v1 provenance in DSSE', () => {
    const statement = statementV1(SLSA_V1);
    const envelope = {
      payloadType: 'application/vnd.in-toto+json',
      payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
      signatures: [{ keyid: '', sig: 'c2ln' }],
    };
    const facts = documentOf(
      detect('app.intoto.jsonl', `${JSON.stringify(envelope)}\n`),
    );

    it('reads the statement inside', () => {
      expect(facts).toMatchObject({
        format: 'dsse-envelope',
        eventTimeRule: 'predicate.runDetails.metadata.finishedOn',
        metadata: {
          statementType: 'https://in-toto.io/Statement/v1',
          builderId: 'https://example.com/builder',
          buildType: 'https://example.com/build/v1',
          subjects: [{ name: 'app.tgz', digest: { sha256: 'ab'.repeat(32) } }],
        },
      });
      expect(exactTimeOf(facts.eventTime as Date)).toBe(
        '2026-03-01T09:05:00.500Z',
      );
    });

    it('lists the resolved dependencies as materials', () => {
      expect(facts.metadata).toMatchObject({
        materialCount: 1,
        materials: [
          {
            uri: 'git+https://example.com/repo@refs/tags/v1',
            digest: { gitCommit: 'c0ffee' },
          },
        ],
      });
    });
  });

  describe('SLSA v0.2 provenance with materials', () => {
    const statement = {
      _type: 'https://in-toto.io/Statement/v0.1',
      subject: [{ name: 'x', digest: { sha256: 'cd'.repeat(32) } }],
      predicateType: 'https://slsa.dev/provenance/v0.2',
      predicate: {
        builder: { id: 'https://ci.example/builder' },
        buildType: 'https://ci.example/type',
        metadata: { buildStartedOn: '2026-01-01T00:00:00Z' },
        materials: [
          { uri: 'git+https://example.com/r', digest: { sha1: 'aa' } },
        ],
      },
    };

    it('reads builder, build type, materials, and the start time', () => {
      expect(
        documentOf(detect('p.json', JSON.stringify(statement))),
      ).toMatchObject({
        specVersion: '0.1',
        eventTimeRule: 'predicate.metadata.buildStartedOn',
        metadata: {
          builderId: 'https://ci.example/builder',
          buildType: 'https://ci.example/type',
          materialCount: 1,
        },
      });
    });
  });

  describe('a Sigstore bundle v0.2 (version as a media type parameter)', () => {
    const bundle = {
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2',
      verificationMaterial: {
        publicKey: { hint: 'aGludA==' },
        tlogEntries: [
          {
            logIndex: '42',
            logId: { keyId: 'bG9n' },
            kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
            integratedTime: '1767225600',
          },
        ],
      },
      messageSignature: {
        messageDigest: { algorithm: 'SHA2_256', digest: 'ZGlnZXN0' },
        signature: 'c2ln',
      },
    };
    const facts = documentOf(detect('blob.sigstore', JSON.stringify(bundle)));

    it('is a signature with its log entry and no identity', () => {
      expect(facts).toMatchObject({
        kind: 'signatures',
        specVersion: '0.2',
        eventTimeRule: 'earliest tlogEntries[].integratedTime',
        metadata: {
          verificationMaterial: 'publicKey',
          signingIdentity: null,
          tlogEntries: [
            {
              logIndex: '42',
              logId: 'bG9n',
              kind: 'hashedrekord',
              integratedTime: '2026-01-01T00:00:00.000Z',
            },
          ],
        },
      });
    });
  });

  describe('a wgpolicyk8s v1alpha1 report naming outcomes `status`', () => {
    const yaml = [
      'apiVersion: wgpolicyk8s.io/v1alpha1',
      'kind: ClusterPolicyReport',
      'metadata:',
      '  name: r',
      '  creationTimestamp: "2026-01-05T00:00:00Z"',
      'summary: {pass: 1, fail: 1, warn: 0, error: 0, skip: 0}',
      'results:',
      '  - {policy: p1, status: pass, properties: {policy-version: "3"}}',
      '  - {policy: p2, status: fail}',
    ].join('\n');

    it('counts the results and finds policy versions', () => {
      expect(documentOf(detect('r.yaml', yaml))).toMatchObject({
        specVersion: 'wgpolicyk8s.io/v1alpha1',
        eventTimeRule: 'earliest metadata.creationTimestamp',
        metadata: {
          summary: { pass: 1, fail: 1, warn: 0, error: 0, skip: 0 },
          resultCounts: { pass: 1, fail: 1 },
          policies: ['p1', 'p2'],
          policyVersions: ['p1@3'],
        },
        warnings: [],
      });
    });
  });

  describe('SARIF 2.1 results of every kind and level', () => {
    const log = {
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'scan',
              version: '1.2',
              rules: [{ id: 'R1', defaultConfiguration: { level: 'error' } }],
            },
          },
          invocations: [
            {
              startTimeUtc: '2026-01-02T03:04:05.678901234Z',
              toolExecutionNotifications: [{ level: 'error' }],
            },
          ],
          results: [
            { ruleId: 'R1' },
            { ruleId: 'R2', level: 'warning' },
            { ruleId: 'R2', level: 'note' },
            { ruleId: 'R3', kind: 'pass' },
            { ruleId: 'R4', kind: 'notApplicable' },
            { ruleId: 'R5', kind: 'review' },
            { ruleId: 'R6', level: 'none' },
          ],
        },
      ],
    };
    const facts = documentOf(detect('s.sarif', JSON.stringify(log)));

    it('maps them onto the five outcomes', () => {
      expect(facts.metadata.summary).toEqual({
        pass: 1,
        fail: 1,
        warn: 3,
        error: 1,
        skip: 2,
      });
    });

    it('names the tool version as the policy version', () => {
      expect(facts.metadata.policyVersions).toEqual(['scan@1.2']);
    });

    it('keeps the invocation time to the nanosecond', () => {
      expect(exactTimeOf(facts.eventTime as Date)).toBe(
        '2026-01-02T03:04:05.678901234Z',
      );
    });
  });

  describe('a Trivy JSON report with exceptions and its version', () => {
    const report = {
      SchemaVersion: 2,
      CreatedAt: '2026-01-01T00:00:00Z',
      ArtifactName: 'img',
      ArtifactType: 'container_image',
      Trivy: { Version: '0.58.1' },
      Results: [
        {
          Target: 'Dockerfile',
          MisconfSummary: { Successes: 5, Failures: 2, Exceptions: 1 },
          Misconfigurations: [{ AVDID: 'AVD-DS-0002', Status: 'FAIL' }],
        },
      ],
    };

    it('sums the checks and names the scanner version', () => {
      expect(
        documentOf(detect('t.json', JSON.stringify(report))).metadata,
      ).toMatchObject({
        summary: { pass: 5, fail: 2, warn: 0, error: 0, skip: 1 },
        policies: ['AVD-DS-0002'],
        policyVersions: ['trivy@0.58.1'],
      });
    });
  });

  describe('OpenVEX 0.2.0 and CSAF VEX', () => {
    it('dates OpenVEX by its timestamp', () => {
      const vex = {
        '@context': 'https://openvex.dev/ns/v0.2.0',
        '@id': 'https://example.com/vex-1',
        author: 'sec',
        timestamp: '2026-01-01T00:00:00Z',
        version: 1,
        statements: [
          { vulnerability: { name: 'CVE-2026-1' }, status: 'fixed' },
        ],
      };
      expect(documentOf(detect('v.json', JSON.stringify(vex)))).toMatchObject({
        format: 'openvex',
        eventTimeRule: 'timestamp',
        metadata: { statementCount: 1, statuses: { fixed: 1 } },
      });
    });
  });
});

describe('audit formats on crafted inputs', () => {
  describe('an Azure Activity Log event in REST camelCase', () => {
    const event = {
      eventDataId: 'e-1',
      correlationId: 'c-1',
      caller: 'ops@example.com',
      eventTimestamp: '2026-01-01T00:00:00.1234567Z',
      operationName: { value: 'Microsoft.Storage/storageAccounts/delete' },
      resourceId: '/subscriptions/s/resourceGroups/g',
      status: { value: 'Failed' },
      subStatus: { value: 'Forbidden' },
      category: { value: 'Administrative' },
    };
    const read = eventsOf(detect('a.jsonl', `${JSON.stringify(event)}\n`));

    it('normalises it, keeping all seven fraction digits', () => {
      expect(read.format).toBe('azure-activity-log');
      expect(read.events[0]).toMatchObject({
        id: 'e-1',
        actor: 'ops@example.com',
        action: 'Microsoft.Storage/storageAccounts/delete',
        resource: '/subscriptions/s/resourceGroups/g',
        outcome: 'failure:Forbidden',
        // One JSON value: the whole file is the original, byte for byte.
        original: `${JSON.stringify(event)}\n`,
      });
      expect(exactTimeOf(read.events[0]?.eventTime as Date)).toBe(
        '2026-01-01T00:00:00.1234567Z',
      );
    });
  });

  describe('an Azure diagnostic-settings export record', () => {
    const record = {
      time: '2026-01-01T00:00:00Z',
      resourceId: '/subscriptions/s',
      operationName: 'MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE',
      category: 'Administrative',
      resultType: 'Success',
      correlationId: 'c-9',
    };

    it('is read, its id made of correlation id and status', () => {
      const read = eventsOf(detect('d.json', JSON.stringify(record)));
      expect(read.events[0]).toMatchObject({
        id: 'c-9/Success',
        outcome: 'success',
      });
    });
  });

  describe('a Microsoft 365 record', () => {
    it('reads the zone-less CreationTime as UTC', () => {
      const record = {
        Id: 'm-1',
        RecordType: 15,
        CreationTime: '2026-01-01T08:00:00',
        Operation: 'UserLoginFailed',
        Workload: 'AzureActiveDirectory',
        UserId: 'u-1',
        ResultStatus: 'Failed',
      };
      const read = eventsOf(detect('m.json', JSON.stringify(record)));
      expect(read.events[0]).toMatchObject({
        id: 'm-1',
        action: 'UserLoginFailed',
        outcome: 'failure:Failed',
      });
      expect(read.events[0]?.eventTime.toISOString()).toBe(
        '2026-01-01T08:00:00.000Z',
      );
    });
  });

  describe('a Cloud Audit Logs entry that failed', () => {
    it('takes the outcome from its status code', () => {
      const entry = {
        insertId: 'i-1',
        logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity',
        timestamp: '2026-01-01T00:00:00.000000001Z',
        protoPayload: {
          '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
          methodName: 'SetIamPolicy',
          resourceName: 'projects/p',
          authenticationInfo: { principalSubject: 'serviceAccount:x' },
          status: { code: 7 },
        },
      };
      const read = eventsOf(detect('g.json', JSON.stringify(entry)));
      expect(read.events[0]).toMatchObject({
        actor: 'serviceAccount:x',
        outcome: 'failure:7',
      });
      expect(exactTimeOf(read.events[0]?.eventTime as Date)).toBe(
        '2026-01-01T00:00:00.000000001Z',
      );
    });
  });

  describe('generic JSON Lines with a configured mapping', () => {
    const fields = toGenericAuditFields(
      'time=at,actor=who.name,action=what,id=uid,outcome=result',
    ) as GenericAuditFields;
    const lines = [
      {
        at: '2026-01-01T00:00:00Z',
        who: { name: 'ann' },
        what: 'login',
        uid: 1,
        result: 'ok',
      },
      { at: '2026-01-01T00:00:01Z', who: { name: 'bob' }, uid: 2 },
      { at: 'later', who: { name: 'cy' }, what: 'logout', uid: 3 },
    ].map((l) => JSON.stringify(l));

    it('reads the mapped fields, and reports records without them', () => {
      const read = eventsOf(detect('app.jsonl', lines.join('\n'), fields));
      expect(read.format).toBe('generic-jsonl');
      expect(read.events).toEqual([
        expect.objectContaining({
          id: '1',
          actor: 'ann',
          action: 'login',
          outcome: 'ok',
          resource: null,
          original: lines[0],
        }),
      ]);
      expect(read.errors).toEqual([
        { line: 2, message: 'no what (the action)' },
        {
          line: 3,
          message: 'no valid at (RFC 3339, a real date, 1970–9999)',
        },
      ]);
    });

    it('is not used without the mapping', () => {
      expect(detect('app.jsonl', lines.join('\n'))).toMatchObject({
        type: 'unrecognised',
      });
    });

    it('refuses a mapping without an action', () => {
      expect(toGenericAuditFields('time=a,actor=b')).toBe(
        'action must be given',
      );
    });
  });

  describe('a Kubernetes audit event stamped with a leap second', () => {
    const event = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      auditID: 'leap-1',
      stage: 'ResponseComplete',
      verb: 'get',
      requestReceivedTimestamp: '2016-12-31T23:59:60.250000Z',
    };
    const read = eventsOf(detect('k.jsonl', `${JSON.stringify(event)}\n`));

    it('keeps it, exact, and orders it as the last millisecond of the day', () => {
      const time = read.events[0]?.eventTime as Date;
      expect(exactTimeOf(time)).toBe('2016-12-31T23:59:60.250000Z');
      expect(time.toISOString()).toBe('2016-12-31T23:59:59.999Z');
    });

    it('flags it with a warning naming the line', () => {
      expect(read.warnings).toEqual([
        'line 1: 2016-12-31T23:59:60.250000Z is a leap second; kept as ' +
          'written and ordered as 2016-12-31T23:59:59.999Z',
      ]);
    });
  });
});
