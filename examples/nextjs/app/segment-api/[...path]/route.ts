// Local stand-in for Segment's tracking API (api.segment.io): takes the SDK's own calls and
// discards them, so the demo write key sends nothing anywhere.
export async function POST(request: Request) {
  await request.arrayBuffer()
  return Response.json({ success: true })
}
