import { z } from 'zod';
import type { Tx } from '../../platform/db/knex';
import { newId } from '../../platform/db/ids';
import { withTenant } from '../../platform/db/tenancy';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import { idOf, iso, Timestamp } from '../../platform/http/v1/schemas';
import { requireCoachingOrganization } from '../organizations';
import { CEFR_LEVELS } from '../repositories/learners';

interface TopicRow {
  id: string;
  org_id: string;
  title: string;
  min_level: (typeof CEFR_LEVELS)[number];
  max_level: (typeof CEFR_LEVELS)[number];
  prompts: string[];
  target_words: string[];
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const Level = z.enum(CEFR_LEVELS);
const TopicFields = {
  title: z.string().trim().min(1).max(120),
  minLevel: Level,
  maxLevel: Level,
  prompts: z.array(z.string().trim().min(1).max(500)).min(1).max(30).meta({ description: 'Questions and situations the coach can use to start and steer the conversation' }),
  targetWords: z.array(z.string().trim().min(1).max(60)).max(100).meta({ description: 'Vocabulary the coach weaves in' }),
};
const levelRangeOk = (t: { minLevel?: string; maxLevel?: string }) =>
  t.minLevel === undefined || t.maxLevel === undefined || CEFR_LEVELS.indexOf(t.minLevel as never) <= CEFR_LEVELS.indexOf(t.maxLevel as never);
const NewTopic = z.object({ ...TopicFields, targetWords: TopicFields.targetWords.default([]) }).refine(levelRangeOk, { message: 'must not be above maxLevel', path: ['minLevel'] });
const TopicPatch = z.object(TopicFields).partial();

const Topic = z
  .object({ id: z.string(), title: z.string(), minLevel: Level, maxLevel: Level, prompts: z.array(z.string()), targetWords: z.array(z.string()), archived: z.boolean(), createdAt: Timestamp, updatedAt: Timestamp })
  .meta({ id: 'Topic' });

const toApi = (row: TopicRow): z.input<typeof Topic> => ({
  id: row.id,
  title: row.title,
  minLevel: row.min_level,
  maxLevel: row.max_level,
  prompts: row.prompts,
  targetWords: row.target_words,
  archived: row.archived_at !== null,
  createdAt: iso(row.created_at)!,
  updatedAt: iso(row.updated_at)!,
});

/** Topics exist only in coaching organizations; anywhere else there is nothing to find. */
async function inCoachingOrganization<T>(trx: Tx, orgId: string, fn: () => Promise<T>): Promise<T> {
  await requireCoachingOrganization(trx, orgId, 'Topics belong to coaching organizations');
  return fn();
}

const noSuchTopic = () => new ApiError(404, 'not_found', 'No such topic');

export const topicRoutes = [
  defineRoute({
    method: 'get',
    path: '/topics',
    operationId: 'listTopics',
    summary: "The coaching organization's topic catalogue (learners see the topics in use; staff may ask for archived ones too)",
    tag: 'Coaching',
    access: 'learner',
    query: z.object({ archived: z.enum(['true', 'false']).default('false').transform((v) => v === 'true') }),
    response: { schema: z.object({ data: z.array(Topic) }).meta({ id: 'TopicList' }), description: 'The topics, by title' },
    errors: [404],
    handle: ({ auth, deps, query }) =>
      withTenant(deps.db, auth.orgId, (trx) =>
        inCoachingOrganization(trx, auth.orgId, async () => {
          const rows: TopicRow[] = await trx('coach_topics')
            .modify((q) => void (!(query.archived && auth.role !== 'learner') && q.whereNull('archived_at')))
            .orderBy('title');
          return { data: rows.map(toApi) };
        }),
      ),
  }),

  defineRoute({
    method: 'post',
    path: '/topics',
    operationId: 'createTopic',
    summary: 'Add a topic to the catalogue',
    tag: 'Coaching',
    access: 'admin',
    body: NewTopic,
    response: { status: 201, schema: Topic, description: 'The new topic' },
    errors: [404],
    handle: ({ auth, body, deps, req }) =>
      withTenant(deps.db, auth.orgId, (trx) =>
        inCoachingOrganization(trx, auth.orgId, async () => {
          const [row] = await trx<TopicRow>('coach_topics')
            .insert({ id: newId('top'), org_id: auth.orgId, title: body.title, min_level: body.minLevel, max_level: body.maxLevel, prompts: JSON.stringify(body.prompts) as never, target_words: JSON.stringify(body.targetWords) as never })
            .returning('*');
          await audit(trx, req, auth, { action: 'coaching.topic_created', targetType: 'topic', targetId: row!.id });
          return toApi(row!);
        }),
      ),
  }),

  defineRoute({
    method: 'get',
    path: '/topics/{topicId}',
    operationId: 'getTopic',
    summary: 'One topic',
    tag: 'Coaching',
    access: 'learner',
    params: z.object({ topicId: idOf('top') }),
    response: { schema: Topic, description: 'The topic' },
    errors: [404],
    handle: ({ auth, deps, params }) =>
      withTenant(deps.db, auth.orgId, (trx) =>
        inCoachingOrganization(trx, auth.orgId, async () => {
          const row: TopicRow | undefined = await trx('coach_topics').where({ id: params.topicId }).first();
          if (!row || (row.archived_at && auth.role === 'learner')) throw noSuchTopic();
          return toApi(row);
        }),
      ),
  }),

  defineRoute({
    method: 'patch',
    path: '/topics/{topicId}',
    operationId: 'updateTopic',
    summary: 'Change a topic (a level range where min is above max is refused)',
    tag: 'Coaching',
    access: 'admin',
    params: z.object({ topicId: idOf('top') }),
    body: TopicPatch,
    response: { schema: Topic, description: 'The topic after the change' },
    errors: [404],
    handle: ({ auth, body, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, (trx) =>
        inCoachingOrganization(trx, auth.orgId, async () => {
          const current: TopicRow | undefined = await trx('coach_topics').where({ id: params.topicId }).first();
          if (!current) throw noSuchTopic();
          const min = body.minLevel ?? current.min_level;
          const max = body.maxLevel ?? current.max_level;
          if (!levelRangeOk({ minLevel: min, maxLevel: max })) throw new ApiError(400, 'invalid_request', 'minLevel: must not be above maxLevel', 'minLevel');
          const [row] = await trx<TopicRow>('coach_topics')
            .where({ id: params.topicId })
            .update({
              ...(body.title !== undefined ? { title: body.title } : {}),
              min_level: min,
              max_level: max,
              ...(body.prompts !== undefined ? { prompts: JSON.stringify(body.prompts) as never } : {}),
              ...(body.targetWords !== undefined ? { target_words: JSON.stringify(body.targetWords) as never } : {}),
              updated_at: trx.fn.now() as never,
            })
            .returning('*');
          await audit(trx, req, auth, { action: 'coaching.topic_changed', targetType: 'topic', targetId: params.topicId, metadata: { fields: Object.keys(body) } });
          return toApi(row!);
        }),
      ),
  }),

  defineRoute({
    method: 'delete',
    path: '/topics/{topicId}',
    operationId: 'archiveTopic',
    summary: 'Archive a topic: no new plan can choose it; calls that used it keep it',
    tag: 'Coaching',
    access: 'admin',
    params: z.object({ topicId: idOf('top') }),
    errors: [404],
    handle: ({ auth, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, (trx) =>
        inCoachingOrganization(trx, auth.orgId, async () => {
          const archived = await trx('coach_topics').where({ id: params.topicId }).whereNull('archived_at').update({ archived_at: trx.fn.now(), updated_at: trx.fn.now() });
          if (archived === 0) throw noSuchTopic();
          await audit(trx, req, auth, { action: 'coaching.topic_archived', targetType: 'topic', targetId: params.topicId });
        }),
      ),
  }),
];
