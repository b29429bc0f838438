import type { Role } from './roles';

/** Who is making a request: a signed-in person (session cookie) or a program (API key), always in one organization. */
export interface AuthContext {
  kind: 'session' | 'api_key';
  orgId: string;
  role: Role;
  userId: string | null;
  sessionId: string | null;
  apiKeyId: string | null;
}

/** The audit log's actor for a request. */
export function actorOf(auth: AuthContext | undefined): { actorType: 'user' | 'api_key'; actorId: string | null } {
  if (auth?.kind === 'api_key') return { actorType: 'api_key', actorId: auth.apiKeyId };
  return { actorType: 'user', actorId: auth?.userId ?? null };
}
