// How this browser signed in last: at the municipality's provider (OpenID
// Connect, whose session a logout ends too) or with a password (demo).
export const SIGN_IN_KEY = 'fp-sign-in';

export function rememberSignIn(how: 'oidc' | 'password') {
  localStorage.setItem(SIGN_IN_KEY, how);
}
