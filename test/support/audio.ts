/**
 * Real audio files for the transcription tests: PCM WAV of silence (8 kHz, mono, 8-bit unless told), with
 * an optional `pfsc` RIFF chunk that scripts the Deepgram fake (test/fakes/node/deepgram.ts) for this one
 * request – decoders skip unknown chunks, so the file stays a valid WAV.
 */
export interface FakeScript {
  id: string;
  transcript?: string;
  fail?: number;
  hang?: boolean;
  malformed?: boolean;
  duration?: number;
  delay_ms?: number;
}

export function wav(seconds: number, options: { script?: FakeScript; sampleRate?: number; bytesPerSample?: 1 | 2; dataSize?: number } = {}): Uint8Array {
  const rate = options.sampleRate ?? 8000;
  const width = options.bytesPerSample ?? 1;
  const dataBytes = Math.round(seconds * rate) * width;
  const script = options.script === undefined ? new Uint8Array(0) : new TextEncoder().encode(JSON.stringify(options.script));
  const scriptChunk = script.length === 0 ? 0 : 8 + script.length + (script.length % 2);
  const total = 12 + 24 + scriptChunk + 8 + dataBytes;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => [...text].forEach((char, index) => view.setUint8(offset + index, char.charCodeAt(0)));
  ascii(0, "RIFF");
  view.setUint32(4, total - 8, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * width, true);
  view.setUint16(32, width, true);
  view.setUint16(34, width * 8, true);
  let offset = 36;
  if (scriptChunk > 0) {
    ascii(offset, "pfsc");
    view.setUint32(offset + 4, script.length, true);
    bytes.set(script, offset + 8);
    offset += scriptChunk;
  }
  ascii(offset, "data");
  view.setUint32(offset + 4, options.dataSize ?? dataBytes, true);
  // 8-bit PCM silence is 128; 16-bit silence is 0.
  if (width === 1) bytes.fill(128, offset + 8);
  return bytes;
}
