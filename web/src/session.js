// The signed-in account, shared by every page: {user, loading, refresh(), signOut()}.
// `user` is GET /v1/me's answer (id, email, name, roles, mfa_enrolled, mfa_enrolment_required …)
// or null when signed out.
import { createContext, useContext } from './html.js';

export const SessionContext = createContext({ user: null, loading: true, refresh: async () => {} });

export function useSession() {
  return useContext(SessionContext);
}

export function hasRole(user, role) {
  if (!user || !Array.isArray(user.roles)) return false;
  // Roles are strings such as "reviewer" or "site_admin:tohoku".
  return user.roles.some((r) => (typeof r === 'string' ? r : r.role) === role ||
    (typeof r === 'string' && r.startsWith(role + ':')));
}
