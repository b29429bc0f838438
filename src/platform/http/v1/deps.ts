import type { OidcClient } from '../../../accounts/auth/oidc';
import type { SsoProvider } from '../../../accounts/repositories/identities';
import type { Sessions } from '../../../accounts/auth/sessions';
import type { TokenSigner } from '../../../accounts/auth/tokens';
import type { AppDeps } from '../../../deps';
import type { Processor } from '../../registration';

/** What the admin API's handlers use: the app's services plus the auth layer built from them. */
export interface V1Deps extends AppDeps {
  tokens: TokenSigner;
  sessions: Sessions;
  /** Configured single-sign-on providers. */
  sso: Partial<Record<SsoProvider, OidcClient>>;
  /** Every processor the domains register (privacy notices and information requests list them). */
  processors: readonly Processor[];
}
