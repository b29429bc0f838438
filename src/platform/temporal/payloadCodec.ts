import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { open, seal } from '../crypto/aesGcm';
import type { Keyring } from '../crypto/keyring';
import type { Db } from '../db/knex';
import type { PolicyListener } from './payloadPolicyWatch';
import { registrationOf, type WorkflowRegistration } from '../registration';
import { stageTimings } from '../stageTimings';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const CACHE_LIMIT = 10_000;
/** A safety net only: changes are announced by the database (PayloadPolicyWatch) and drop the entry at once. */
const POLICY_TTL_MS = 60_000;

const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);
const aad = (orgId: string) => `temporal-payload:${orgId}`;

/** The organization a payload's key id names (`<orgId>/<key version>`), if it is one of ours. */
export function keyIdOf(payload: Payload): { orgId: string; version: number } | undefined {
  if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return undefined;
  const match = /^(org_[0-9a-z]+)\/(\d+)$/.exec(text(payload.metadata?.[KEY_ID]) ?? '');
  return match ? { orgId: match[1]!, version: Number(match[2]) } : undefined;
}

/**
 * Encrypts the payloads of an organization's workflows and activities (inputs, results, signals, updates,
 * queries, heartbeats) with its data key, AES-256-GCM, the key id in the payload's metadata, when the
 * organization is in HIPAA mode or asked for it: the Temporal server and its database then hold no
 * plaintext transcripts or phone numbers, and destroying the key (account deletion) makes every copy
 * unreadable. Decoding needs only the key id, so the codec server can read a payload for its own
 * organization's admin. Which organization a payload belongs to comes from Temporal's serialization
 * context (the workflow id, read as the workflow's domain registered it), remembered once seen, or from the
 * payload itself (a start input's orgId). It fails closed: a workflow id no domain registered, or a
 * per-organization workflow whose organization cannot be found, is an error, never plaintext.
 */
export class OrganizationPayloadCodec implements PayloadCodec, PolicyListener {
  /** Whose each workflow's payloads are, once known; null: nobody's organization (a platform notice's row). */
  private readonly orgOfWorkflow = new Map<string, string | null>();
  private readonly policy = new Map<string, { encrypt: boolean; until: number }>();
  /** Workflows whose payloads arrived sealed: everything they produce is sealed too, whatever a cache says. */
  private readonly sealedWorkflows = new Set<string>();
  /** Until the database's announcements are heard, no cached policy is trusted. */
  private policyInDoubt = true;
  /** Bumped by every announcement, so a read that raced one is not cached. */
  private policyGeneration = 0;

  constructor(private readonly deps: { db: Db; keyring: Keyring; workflows: readonly WorkflowRegistration[] }) {}

  changed(orgId: string): void {
    this.policyGeneration += 1;
    this.policy.delete(orgId);
  }

  inDoubt(inDoubt: boolean): void {
    this.policyGeneration += 1;
    this.policyInDoubt = inDoubt;
    this.policy.clear();
  }

  encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return stageTimings.time('codec: encode', () => this.encoded(payloads, context));
  }

  decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return stageTimings.time('codec: decode', () => this.decoded(payloads, context));
  }

  private async encoded(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    if (payloads.length === 0) return payloads;
    const owner = await this.ownerOf(context);
    const orgId = owner.orgId ?? orgIdInside(payloads);
    if (!orgId) {
      if (owner.perOrganization) throw new Error(`payload codec: the organization of workflow ${context?.workflowId} cannot be determined; refusing to write its payloads in plaintext`);
      return payloads;
    }
    if (context?.workflowId && owner.perOrganization) this.remember(context.workflowId, orgId);
    const sealedWorkflow = context?.workflowId !== undefined && this.sealedWorkflows.has(context.workflowId);
    if (!sealedWorkflow && !(await this.encrypts(orgId))) return payloads;
    const { version, key } = await this.deps.keyring.activeKey(orgId);
    return payloads.map((payload) => sealed(orgId, version, key, payload));
  }

  /** For the codec server: encodes as the organization's own workflows would be (encrypted when its policy says so). */
  async encodeFor(orgId: string, payloads: Payload[]): Promise<Payload[]> {
    if (payloads.length === 0 || !(await this.encrypts(orgId))) return payloads;
    const { version, key } = await this.deps.keyring.activeKey(orgId);
    return payloads.map((payload) => sealed(orgId, version, key, payload));
  }

  private async decoded(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const id = keyIdOf(payload);
        if (!id) return payload;
        if (context?.workflowId) {
          this.remember(context.workflowId, id.orgId);
          this.markSealed(context.workflowId);
        }
        const key = await this.deps.keyring.keyVersion(id.orgId, id.version);
        return temporal.api.common.v1.Payload.decode(open(key, Buffer.from(payload.data ?? []), aad(id.orgId)));
      }),
    );
  }

  /**
   * Whose payloads a workflow's are, from its id as its domain registered it. No workflow id (a client
   * call about no workflow): only the payload itself can say. An id no domain registered: an error.
   */
  private async ownerOf(context: SerializationContext | undefined): Promise<{ orgId?: string; perOrganization: boolean }> {
    const workflowId = context?.workflowId;
    if (!workflowId) return { perOrganization: false };
    const remembered = this.orgOfWorkflow.get(workflowId);
    if (remembered !== undefined) return remembered ? { orgId: remembered, perOrganization: true } : { perOrganization: false };
    const registration = registrationOf(this.deps.workflows, workflowId);
    if (!registration) throw new Error(`payload codec: no domain registers a workflow with the id ${workflowId}; refusing to write its payloads in plaintext`);
    const { owner } = registration;
    if (owner.kind === 'platform') return { perOrganization: false };
    const key = registration.id.exec(workflowId)?.[1];
    if (owner.kind === 'org-in-id') {
      if (!key || !/^org_[0-9a-z]+$/.test(key)) throw new Error(`payload codec: workflow id ${workflowId} does not name an organization`);
      return { orgId: key, perOrganization: true };
    }
    const row = key ? await this.deps.db(owner.table).where({ [owner.column]: key }).first('org_id') : undefined;
    // Not there yet (the workflow is being started): its start input names the organization, not remembered.
    if (!row) return { perOrganization: true };
    // A row of no organization (a platform notice to a person) is nobody's organization data.
    this.remember(workflowId, row.org_id ?? null);
    return row.org_id ? { orgId: row.org_id, perOrganization: true } : { perOrganization: false };
  }

  private markSealed(workflowId: string): void {
    if (this.sealedWorkflows.size >= CACHE_LIMIT) this.sealedWorkflows.delete(this.sealedWorkflows.values().next().value!);
    this.sealedWorkflows.add(workflowId);
  }

  private remember(workflowId: string, orgId: string | null): void {
    if (this.orgOfWorkflow.size >= CACHE_LIMIT) this.orgOfWorkflow.delete(this.orgOfWorkflow.keys().next().value!);
    this.orgOfWorkflow.set(workflowId, orgId);
  }

  /**
   * HIPAA mode or the organization's choice. Cached while the database's change announcements are heard
   * (a change drops the entry when it commits); re-read on every use while they are not.
   */
  private async encrypts(orgId: string): Promise<boolean> {
    const cached = this.policy.get(orgId);
    if (cached && cached.until > Date.now() && !this.policyInDoubt) return cached.encrypt;
    const generation = this.policyGeneration;
    const org = await this.deps.db('organizations').where({ id: orgId }).first('hipaa_mode', 'encrypt_workflow_payloads', 'status');
    const encrypt = Boolean(org && org.status !== 'deleted' && (org.hipaa_mode || org.encrypt_workflow_payloads));
    if (this.policyInDoubt || generation !== this.policyGeneration) return encrypt;
    if (this.policy.size >= CACHE_LIMIT) this.policy.clear();
    this.policy.set(orgId, { encrypt, until: Date.now() + POLICY_TTL_MS });
    return encrypt;
  }
}

function sealed(orgId: string, version: number, key: Buffer, payload: Payload): Payload {
  return {
    metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID]: Buffer.from(`${orgId}/${version}`) },
    data: seal(key, Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish()), aad(orgId)),
  };
}

/** A start input or activity input that says whose it is: a JSON object with an `orgId`. */
function orgIdInside(payloads: Payload[]): string | undefined {
  for (const payload of payloads) {
    if (text(payload.metadata?.encoding) !== 'json/plain') continue;
    const match = /"orgId":"(org_[0-9a-z]+)"/.exec(text(payload.data) ?? '');
    if (match) return match[1];
  }
  return undefined;
}
