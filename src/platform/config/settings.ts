import { z } from 'zod';
import { parseMasterKeySpec, type MasterKey } from '../crypto/masterKeys';

/**
 * A setting is written once: the environment variable it is read from and the zod schema that validates
 * it (with its default, and any transform to the value the code uses). Each domain keeps its settings in a
 * section (`src/<domain>/config.ts`); the configuration's type is derived from the schemas.
 */
export interface Setting<T extends z.ZodType = z.ZodType> {
  readonly env: string;
  readonly schema: T;
}

export const setting = <T extends z.ZodType>(env: string, schema: T): Setting<T> => ({ env, schema });

export interface SettingsSpec {
  readonly [key: string]: Setting | SettingsSpec;
}

export type SettingsOf<S> = { -readonly [K in keyof S]: S[K] extends Setting<infer T> ? z.output<T> : SettingsOf<S[K]> };

const isSetting = (value: Setting | SettingsSpec): value is Setting => typeof (value as Setting).env === 'string' && 'schema' in value;

/** Every setting in a section, nested ones included. */
export function settingsIn(spec: SettingsSpec): Setting[] {
  return Object.values(spec).flatMap((value) => (isSetting(value) ? [value] : settingsIn(value)));
}

/** The section's values, shaped like the section, from the parsed variables. */
export function valuesOf<S extends SettingsSpec>(spec: S, parsed: Record<string, unknown>): SettingsOf<S> {
  return Object.fromEntries(Object.entries(spec).map(([key, value]) => [key, isSetting(value) ? parsed[value.env] : valuesOf(value, parsed)])) as SettingsOf<S>;
}

// Schemas that many settings share.

export const port = (fallback: number) =>
  z.coerce.number({ error: 'must be a port number' }).int('must be an integer').min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535').default(fallback);

export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

export const milliseconds = (fallback: number, min: number) =>
  z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(min, `must be at least ${min} ms`).default(fallback);

export const optionalMilliseconds = (min: number) => z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(min).optional();

export const count = (fallback: number, min: number, max?: number) => {
  const base = z.coerce.number({ error: 'must be a number' }).int().min(min, `must be at least ${min}`);
  return (max === undefined ? base : base.max(max, `must be at most ${max}`)).default(fallback);
};

export const httpUrl = () => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const currency = () => z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').default('USD');

/** Unset or blank: undefined. */
export const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

export const masterKey = z.string().transform((value, ctx): MasterKey => {
  try {
    return parseMasterKeySpec(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

export const masterKeyList = z
  .string()
  .optional()
  .transform((value, ctx): MasterKey[] => {
    const specs = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    try {
      return specs.map(parseMasterKeySpec);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
