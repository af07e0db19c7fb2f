import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectEvidence } from '../../src/evidence/index.js';
import type { ArtifactKind } from '../../src/domain/index.js';
import {
  CORPUS_DIR,
  CORPUS_PRESENT,
  corpusFiles,
  corpusMissingIsFatal,
} from '../support/corpus.js';

// Throws (failing this file) when DP_REQUIRE_CORPUS=1 and it is absent.
corpusMissingIsFatal();

/** What detection must conclude about one corpus file. */
type Expectation =
  | {
      type: 'document';
      kind: ArtifactKind;
      format: string;
      specVersion: string | null;
      eventTime: string | null;
      metadata: Record<string, unknown>;
    }
  | { type: 'audit-events'; format: string; events: number; firstId: string }
  | { type: 'unrecognised'; reason: RegExp };

function doc(
  kind: ArtifactKind,
  format: string,
  specVersion: string | null,
  eventTime: string | null,
  metadata: Record<string, unknown> = {},
): Expectation {
  return { type: 'document', kind, format, specVersion, eventTime, metadata };
}

function events(format: string, count: number, firstId: string): Expectation {
  return { type: 'audit-events', format, events: count, firstId };
}

function refused(reason: RegExp): Expectation {
  return { type: 'unrecognised', reason };
}

const PRIVATE_KEY = /private keys are never ingested/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** One line per corpus file; a new file without a line fails the test. */
const EXPECTED: Record<string, Expectation> = {
  'attestations/Python-3.12.5.tgz.sigstore': doc(
    'signatures',
    'sigstore-bundle',
    '0.1',
    '2024-08-06T20:32:47.000Z',
    { content: 'messageSignature', tlogEntryCount: 1 },
  ),
  'attestations/a.dsse.staging-rekor-v2.sigstore.json': doc(
    'attestations',
    'sigstore-bundle',
    '0.3',
    null,
    {
      content: 'dsseEnvelope',
      tlogEntryCount: 1,
      rfc3161TimestampCount: 1,
      predicateType: 'https://slsa.dev/provenance/v1',
    },
  ),
  'attestations/bundle.many_timestamp.sigstore': doc(
    'signatures',
    'sigstore-bundle',
    '0.3',
    '2024-10-31T10:23:39.000Z',
    { rfc3161TimestampCount: 33 },
  ),
  'attestations/bundle_v3_github.whl.sigstore': doc(
    'signatures',
    'sigstore-bundle',
    '0.2',
    '2024-03-19T22:41:16.000Z',
    { verificationMaterial: 'x509CertificateChain' },
  ),
  'attestations/cosign_oci-attestation.sigstore.json': doc(
    'attestations',
    'sigstore-bundle',
    '0.3',
    '2025-02-28T19:18:11.000Z',
    {
      predicateType: 'https://cosign.sigstore.dev/attestation/v1',
      subjectCount: 1,
    },
  ),
  'attestations/csaf-2.0_vex.json': doc(
    'attestations',
    'csaf-vex',
    '2.0',
    '2022-03-03T11:00:00.000Z',
    { vulnerabilityCount: 1 },
  ),
  'attestations/cyclonedx-1.4_vex_cisa-case-2.vex.json': doc(
    'attestations',
    'cyclonedx-vex',
    '1.4',
    '2022-03-03T00:00:00.000Z',
    { vulnerabilityCount: 19, analysisStates: { not_affected: 19 } },
  ),
  'attestations/cyclonedx-1.4_vex_not-affected_minimal.vex.json': doc(
    'attestations',
    'cyclonedx-vex',
    '1.4',
    '2022-03-03T00:00:00.000Z',
    { vulnerabilityCount: 1 },
  ),
  'attestations/gcb-provenance_gcloud-container-github.json': doc(
    'attestations',
    'gcb-provenance',
    null,
    '2022-09-06T17:54:23.761Z',
    {
      provenanceCount: 1,
      builderId: 'https://cloudbuild.googleapis.com/GoogleHostedWorker@v0.3',
    },
  ),
  'attestations/in-toto-statement-v0.1.json': doc(
    'attestations',
    'in-toto-statement',
    '0.1',
    null,
    {
      subjectCount: 1,
      builderId: 'https://github.com/npm/slsa-provenance@0.0.1',
      buildType: 'https://github.com/npm/slsa-provenance/gha@v0',
    },
  ),
  'attestations/in-toto-statement-v1_slsa-v1.json': doc(
    'attestations',
    'in-toto-statement',
    '1',
    null,
    {
      predicateType: 'https://slsa.dev/provenance/v1',
      buildType: 'https://example.com/build/v1',
    },
  ),
  'attestations/npm-provenance_attestations.json': doc(
    'attestations',
    'npm-attestations',
    null,
    '2024-05-16T17:12:03.000Z',
    { bundleCount: 2 },
  ),
  'attestations/openvex-0.0.1_legacy.vex.json': doc(
    'attestations',
    'openvex',
    '0.0.1',
    '2022-12-22T21:36:43.000Z',
    { statementCount: 1, statuses: { under_investigation: 1 } },
  ),
  'attestations/openvex-0.2.0_demo.vex.json': doc(
    'attestations',
    'openvex',
    '0.2.0',
    '2023-12-05T03:55:19.945Z',
    { statuses: { fixed: 1 } },
  ),
  'attestations/openvex-0.2.0_nginx-history.openvex.json': doc(
    'attestations',
    'openvex',
    '0.2.0',
    '2023-08-17T01:55:22.076Z',
    { statementCount: 2, statuses: { not_affected: 2 } },
  ),
  'attestations/sigstore-bundle-v0.1_dsse-2-signatures.sigstore.json': doc(
    'attestations',
    'sigstore-bundle',
    '0.1',
    '2022-11-09T23:00:36.000Z',
    { signatureCount: 2 },
  ),
  'attestations/slsa-provenance-v0.2_predicate_sigstore-python.json': doc(
    'attestations',
    'slsa-predicate',
    '0.2',
    null,
    {
      buildType:
        'https://github.com/slsa-framework/slsa-github-generator/generic@v1',
    },
  ),
  'attestations/slsa-v0.2_gha-go_dsse.intoto.jsonl': doc(
    'attestations',
    'dsse-envelope',
    '1',
    null,
    {
      envelopeCount: 1,
      subjectCount: 1,
      predicateType: 'https://slsa.dev/provenance/v0.2',
    },
  ),
  'attestations/slsa-v0.2_multi-subject_dsse.intoto.jsonl': doc(
    'attestations',
    'dsse-envelope',
    '1',
    null,
    { subjectCount: 3 },
  ),
  'attestations/slsa-v1_gha-delegator.build.slsa': doc(
    'attestations',
    'sigstore-bundle',
    '0.2',
    '2024-04-22T21:36:13.000Z',
    {
      statementType: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v1',
    },
  ),
  'attestations/slsa-v1_rules_lint_github-attestation.sigstore.jsonl': doc(
    'attestations',
    'sigstore-bundle',
    '0.3',
    '2025-03-26T23:47:15.000Z',
    { tlogKinds: ['dsse'] },
  ),
  'audit-trails/azure-activity-log_plaso.jsonl': events(
    'azure-activity-log',
    4,
    '^587eda65-125e-48c2-9b04-ab5e8d3a1d8e$',
  ),
  'audit-trails/bitbucket-audit_plaso.log': refused(
    /text in no supported format/,
  ),
  'audit-trails/cloudtrail_alice_start_instances.json': events(
    'cloudtrail',
    1,
    SHA256_HEX.source,
  ),
  'audit-trails/cloudtrail_alice_start_instances_bigevent.json': events(
    'cloudtrail',
    1,
    SHA256_HEX.source,
  ),
  'audit-trails/cloudtrail_lookup-events_plaso.jsonl': events(
    'cloudtrail',
    6,
    '^0828c0d2-3589-4390-b954-c78b4a7df44b$',
  ),
  'audit-trails/gcp-cloud-audit-logs_plaso.jsonl': events(
    'gcp-cloud-audit',
    9,
    '^iv9wx9d16l2$',
  ),
  'audit-trails/k8s-audit-v1_create_sa_token_secret.json': events(
    'kubernetes-audit',
    1,
    '^40ed7b5a-e92f-49ec-a359-86d36077d9c8/ResponseComplete$',
  ),
  'audit-trails/k8s-audit-v1beta1_anonymous_creates_namespace.json': events(
    'kubernetes-audit',
    1,
    '^841d3e6d-',
  ),
  'audit-trails/k8s-audit-v1beta1_create_privileged_pod.json': events(
    'kubernetes-audit',
    1,
    '^a362d22b-',
  ),
  'audit-trails/k8s-audit_create_configmap_sensitive_values.jsonl': events(
    'kubernetes-audit',
    6,
    '^9a2bb12c-',
  ),
  'audit-trails/k8s-audit_exec_pod.json': events(
    'kubernetes-audit',
    1,
    '/ResponseStarted$',
  ),
  'audit-trails/k8s-audit_malformed_fal_01_003.json': refused(
    /"kind" is 0, not a string/,
  ),
  'audit-trails/linux-auditd-enriched_plaso.log': refused(
    /text in no supported format/,
  ),
  'audit-trails/m365-unified-audit-log_plaso.jsonl': events(
    'm365-unified-audit',
    4,
    '^c9d2d808-0efe-48cb-eaec-08da3028eb80$',
  ),
  'audit-trails/sshd-auth_syslog_plaso.log': refused(
    /text in no supported format/,
  ),
  'policy-reports/grype_nginx.sarif.json': doc(
    'policy-reports',
    'sarif',
    '2.1.0',
    null,
    {
      toolName: 'Grype',
      toolVersion: '0.63.0',
      resultCount: 99,
      ruleCount: 99,
    },
  ),
  'policy-reports/reports.x-k8s.io-v1beta1_kyverno_policyreport.yaml': doc(
    'policy-reports',
    'policy-report',
    'reports.x-k8s.io/v1beta1',
    '2023-03-23T10:04:54.000Z',
    {
      summary: { pass: 1, fail: 0, warn: 0, error: 0, skip: 0 },
      policies: ['disallow-capabilities'],
    },
  ),
  'policy-reports/trivy-0.42.1_nginx.sarif.json': doc(
    'policy-reports',
    'sarif',
    '2.1.0',
    null,
    {
      toolName: 'Trivy',
      toolVersion: '0.42.1',
      resultCount: 99,
      ruleCount: 64,
    },
  ),
  'policy-reports/trivy_dockerfile-misconfig.json': doc(
    'policy-reports',
    'trivy-json',
    '2',
    '2021-08-25T12:20:30.000Z',
    { misconfSummary: { successes: 26, failures: 1 } },
  ),
  'policy-reports/wgpolicyk8s-v1alpha1_kube-bench_policyreport-list.yaml': doc(
    'policy-reports',
    'policy-report',
    'wgpolicyk8s.io/v1alpha1',
    '2021-04-08T11:44:57.000Z',
    {
      reportCount: 1,
      resultCount: 122,
      summary: { pass: 37, fail: 36, warn: 49, error: 0, skip: 0 },
    },
  ),
  'policy-reports/wgpolicyk8s-v1alpha2_cis-k8s_policyreport.yaml': doc(
    'policy-reports',
    'policy-report',
    'wgpolicyk8s.io/v1alpha2',
    null,
    {
      summary: { pass: 8, fail: 2, warn: 0, error: 0, skip: 0 },
      resultCount: 3,
    },
  ),
  'policy-reports/wgpolicyk8s-v1alpha2_falco_policyreport+clusterpolicyreport.yaml':
    doc('policy-reports', 'policy-report', 'wgpolicyk8s.io/v1alpha2', null, {
      reportCount: 2,
      reportKinds: { PolicyReport: 1, ClusterPolicyReport: 1 },
    }),
  'policy-reports/wgpolicyk8s-v1alpha2_kubearmor_policyreport-list.yaml': doc(
    'policy-reports',
    'policy-report',
    'wgpolicyk8s.io/v1alpha2',
    '2021-11-21T12:31:26.000Z',
    { summary: { pass: 0, fail: 3, warn: 0, error: 0, skip: 0 } },
  ),
  'policy-reports/wgpolicyk8s-v1alpha2_trivy_policyreport.json': doc(
    'policy-reports',
    'policy-report',
    'wgpolicyk8s.io/v1alpha2',
    '2021-08-09T22:40:15.000Z',
    {
      resultCount: 14,
      summary: { pass: 0, fail: 7, warn: 4, error: 2, skip: 1 },
    },
  ),
  'sboms/cyclonedx-1.1_laravel-7.12.0.bom.xml': doc(
    'sboms',
    'cyclonedx-xml',
    '1.1',
    null,
    { componentCount: 62, primaryComponent: null },
  ),
  'sboms/cyclonedx-1.4_juice-shop-npm.bom.json': doc(
    'sboms',
    'cyclonedx-json',
    '1.4',
    null,
    {
      componentCount: 837,
      primaryComponent: { name: 'juice-shop', version: '14.1.1' },
    },
  ),
  'sboms/cyclonedx-1.4_laravel-7.12.0.bom.json': doc(
    'sboms',
    'cyclonedx-json',
    '1.4',
    null,
    { componentCount: 62 },
  ),
  'sboms/cyclonedx-1.4_laravel-7.12.0.bom.xml': doc(
    'sboms',
    'cyclonedx-xml',
    '1.4',
    null,
    {
      componentCount: 62,
      primaryComponent: {
        name: 'cyclonedx-php-composer-demo',
        version: 'dev-master',
      },
    },
  ),
  'sboms/cyclonedx-1.4_saasbom-services.bom.json': doc(
    'sboms',
    'cyclonedx-json',
    '1.4',
    '2021-01-10T12:00:00.000Z',
    {
      componentCount: 0,
      serviceCount: 1,
      serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
    },
  ),
  'sboms/cyclonedx-1.5_npm-deps-from-git.bom.json': doc(
    'sboms',
    'cyclonedx-json',
    '1.5',
    null,
    { componentCount: 96 },
  ),
  'sboms/cyclonedx-1.6_cbom-protocol.bom.json': doc(
    'sboms',
    'cyclonedx-json',
    '1.6',
    '2024-01-09T12:00:00.000Z',
    { componentCount: 8 },
  ),
  'sboms/cyclonedx-1.6_npm-bundled-deps.bom.xml': doc(
    'sboms',
    'cyclonedx-xml',
    '1.6',
    null,
    {
      componentCount: 52,
      primaryComponent: { name: 'demo-bundled-deps', version: '0.0.0' },
    },
  ),
  'sboms/cyclonedx-1.6_npm-package-integrity.bom.json': doc(
    'sboms',
    'cyclonedx-json',
    '1.6',
    null,
    { componentCount: 5 },
  ),
  'sboms/spdx-2.2_appbomination.spdx.json': doc(
    'sboms',
    'spdx-json',
    '2.2',
    '2021-09-02T13:46:32.000Z',
    { packageCount: 7, fileCount: 10 },
  ),
  'sboms/spdx-2.2_cosign-go-mod.spdx': doc(
    'sboms',
    'spdx-tag-value',
    '2.2',
    '2021-06-27T13:42:53.000Z',
    { packageCount: 143 },
  ),
  'sboms/spdx-2.2_example6-bin.spdx': doc(
    'sboms',
    'spdx-tag-value',
    '2.2',
    '2021-08-26T01:56:00.000Z',
    {
      packageCount: 1,
      documentNamespace:
        'https://swinslow.net/spdx-examples/example6/hello-go-bin-v2',
    },
  ),
  'sboms/spdx-2.3_examplemaven-enriched.spdx.json': doc(
    'sboms',
    'spdx-json',
    '2.3',
    '2024-11-18T10:22:12.000Z',
    { packageCount: 6 },
  ),
  'sboms/spdx-2.3_minimal-with-security-refs.spdx.json': doc(
    'sboms',
    'spdx-json',
    '2.3',
    '2023-05-12T18:30:22.000Z',
    { packageCount: 2 },
  ),
  'sboms/spdx-2.3_rust-hello-server_k8s-bom.spdx.json': doc(
    'sboms',
    'spdx-json',
    '2.3',
    '2022-11-03T07:10:10.000Z',
    {
      packageCount: 4,
      creators: ['Tool: sigs.k8s.io/bom/pkg/spdx', 'Organization: Unknown'],
    },
  ),
  'sboms/spdx-3.0.1_appbomination.spdx3.json': doc(
    'sboms',
    'spdx3-jsonld',
    '3.0.1',
    '2021-09-02T13:46:32.000Z',
    { packageCount: 7, fileCount: 15 },
  ),
  'signatures/cosign-ci-test.key': refused(PRIVATE_KEY),
  'signatures/cosign-ci-test.pub': doc('signatures', 'public-key', null, null, {
    keyAlgorithm: 'ec',
    curve: 'prime256v1',
  }),
  'signatures/cosign-release.pub': doc('signatures', 'public-key', null, null, {
    keyAlgorithm: 'ec',
    signs: null,
  }),
  'signatures/offline-rekor.txt': refused(/text in no supported format/),
  'signatures/offline-rekor.txt.crt': doc(
    'signatures',
    'certificate',
    null,
    '2022-10-13T19:48:32.000Z',
    { curve: 'secp384r1', signs: 'offline-rekor.txt' },
  ),
  'signatures/offline-rekor.txt.sig': doc(
    'signatures',
    'signature',
    null,
    null,
    { signatureAlgorithm: 'ecdsa', signs: 'offline-rekor.txt' },
  ),
  'signatures/sigstore-rs_cosign-generated_encrypted_empty-password.key':
    refused(PRIVATE_KEY),
  'signatures/sigstore-rs_ecdsa_encrypted_private.key': refused(PRIVATE_KEY),
  'signatures/sigstore-rs_ed25519_encrypted_private.key': refused(PRIVATE_KEY),
  'signatures/sigstore-rs_rsa_encrypted_private.key': refused(PRIVATE_KEY),
};

describe.skipIf(!CORPUS_PRESENT)('detectEvidence on the corpus', () => {
  const files = CORPUS_PRESENT ? corpusFiles() : [];

  it('has an expectation for every corpus file', () => {
    const missing = files.filter((file) => !(file in EXPECTED));
    expect(missing).toEqual([]);
  });

  it('finds every file its expectations name', () => {
    const gone = Object.keys(EXPECTED).filter((f) => !files.includes(f));
    expect(gone).toEqual([]);
  });

  describe.each(files.filter((file) => file in EXPECTED))('%s', (file) => {
    const expected = EXPECTED[file] as Expectation;
    const bytes = readFileSync(path.join(CORPUS_DIR, file));
    const detection = detectEvidence(path.basename(file), bytes);

    it(`is detected as ${expected.type}`, () => {
      expect(detection.type).toBe(expected.type);
    });

    it('carries the expected facts', () => {
      expect(factsOf(detection)).toMatchObject(factsOf(expected));
    });
  });
});

// The comparable part of a detection or an expectation, side by side.
function factsOf(value: ReturnType<typeof detectEvidence> | Expectation) {
  switch (value.type) {
    case 'document':
      return {
        kind: value.kind,
        format: value.format,
        specVersion: value.specVersion,
        eventTime:
          value.eventTime instanceof Date
            ? value.eventTime.toISOString()
            : value.eventTime,
        metadata: value.metadata,
      };
    case 'audit-events':
      if ('firstId' in value) {
        return {
          format: value.format,
          events: value.events,
          firstId: expect.stringMatching(value.firstId) as unknown,
        };
      }
      return {
        format: value.format,
        events: value.events.length,
        firstId: value.events[0]?.id,
      };
    case 'unrecognised':
      return {
        reason:
          typeof value.reason === 'string'
            ? value.reason
            : (expect.stringMatching(value.reason) as unknown),
      };
  }
}
