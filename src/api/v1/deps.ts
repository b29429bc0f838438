import type { OidcClient } from '../../auth/oidc';
import type { SsoProvider } from '../../db/repositories/identities';
import type { Sessions } from '../../auth/sessions';
import type { TokenSigner } from '../../auth/tokens';
import type { AppDeps } from '../app';

/** What the admin API's handlers use: the app's services plus the auth layer built from them. */
export interface V1Deps extends AppDeps {
  tokens: TokenSigner;
  sessions: Sessions;
  /** Configured single-sign-on providers. */
  sso: Partial<Record<SsoProvider, OidcClient>>;
}
