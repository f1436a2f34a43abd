// Local stand-in for `https://cdn.segment.com/v1/projects/<writeKey>/settings`, used only while
// the example runs with its demo write key (see app/page.tsx).
import { localSegmentSettings } from '@/lib/segment-settings'

export async function GET(request: Request, context: { params: Promise<{ writeKey: string }> }) {
  const { writeKey } = await context.params
  return Response.json(localSegmentSettings(new URL(request.url).origin, writeKey))
}
