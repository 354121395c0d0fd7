// Which network path a live RTCPeerConnection actually uses, read from getStats rather than
// guessed from configuration: the selected candidate pair says whether packets go straight to
// the peer (host or server-reflexive candidates) or through a TURN server (a relay candidate).

export type LinkPath = 'direct' | 'turn';

export interface PathReport {
  path: LinkPath;
  localType: string;
  remoteType: string;
  protocol: string;
}

export async function readSelectedPath(pc: RTCPeerConnection): Promise<PathReport | null> {
  const stats = await pc.getStats();
  const byId = new Map<string, Record<string, unknown>>();
  stats.forEach((s: Record<string, unknown>) => byId.set(s.id as string, s));
  let pair: Record<string, unknown> | undefined;
  for (const s of byId.values()) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      pair = byId.get(s.selectedCandidatePairId);
    }
  }
  // Browsers without transport stats: the nominated, succeeded pair is the selected one.
  pair ??= [...byId.values()].find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded');
  if (!pair) return null;
  const local = byId.get(pair.localCandidateId as string);
  const remote = byId.get(pair.remoteCandidateId as string);
  if (!local || !remote) return null;
  const localType = String(local.candidateType);
  const remoteType = String(remote.candidateType);
  return {
    path: localType === 'relay' || remoteType === 'relay' ? 'turn' : 'direct',
    localType,
    remoteType,
    protocol: String(local.relayProtocol ?? local.protocol ?? ''),
  };
}
