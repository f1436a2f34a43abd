// Stands in for your app's authentication: whoever is signed in. A real app reads its session
// cookie here; `connection()` has the same effect on rendering: the page is made per request,
// never prerendered at build time (when no RELAY_IDENTITY_SECRET exists to sign with).
import { connection } from 'next/server'

export interface SignedInUser {
  userId: string
  email: string
  firstName: string
}

export async function currentUser(): Promise<SignedInUser> {
  await connection()
  return {
    userId: process.env.DEMO_USER_ID ?? 'next-demo-user',
    email: process.env.DEMO_USER_EMAIL ?? 'next-demo@example.com',
    firstName: 'Ada',
  }
}
