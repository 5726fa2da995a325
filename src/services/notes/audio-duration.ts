/**
 * The duration of an uploaded audio file, read from its container where the container states it
 * (docs/notes-and-voice.md#batch-transcription): a transcription is charged per started minute BEFORE
 * Deepgram is called, so the length must be known from the bytes alone.
 *
 * - WAV (RIFF/WAVE): the `data` chunk's bytes (capped by the bytes really sent) / the `fmt ` byte rate.
 * - Ogg (Opus or Vorbis): the granule position of the stream's last page, minus Opus' pre-skip, over 48000
 *   (Opus) or the Vorbis sample rate.
 * - MP3: a Xing/Info or VBRI header's frame count × samples per frame / sample rate; without one, constant
 *   bit rate: audio bytes × 8 / bit rate of the first frame.
 * - WebM/Matroska: Segment → Info → Duration × TimecodeScale.
 * - MP4: `moov` → `mvhd` duration / timescale.
 *
 * `unknown`: the container is valid but does not say (a live-recorded WebM without Duration, a fragmented
 * MP4, an Ogg stream with no finished page); the caller then charges the 300 s maximum and settles to what
 * Deepgram reports. `invalid`: the bytes are not the declared container at all (answered 400 before any charge).
 */
export type AudioFormat = "wav" | "ogg" | "mpeg" | "webm" | "mp4";

export type AudioDuration = { kind: "known"; seconds: number } | { kind: "unknown" } | { kind: "invalid"; reason: string };

/** The formats by media type (SPEC §6); parameters (`; codecs=opus`) are ignored, `audio/x-wav`, `audio/wave`, `audio/mp3` accepted as aliases. */
export function audioFormatOf(contentType: string | undefined): AudioFormat | undefined {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  switch (type) {
    case "audio/wav":
    case "audio/wave":
    case "audio/x-wav":
      return "wav";
    case "audio/ogg":
      return "ogg";
    case "audio/mpeg":
    case "audio/mp3":
      return "mpeg";
    case "audio/webm":
      return "webm";
    case "audio/mp4":
      return "mp4";
    default:
      return undefined;
  }
}

export function audioDuration(bytes: Uint8Array, format: AudioFormat): AudioDuration {
  try {
    switch (format) {
      case "wav":
        return wavDuration(bytes);
      case "ogg":
        return oggDuration(bytes);
      case "mpeg":
        return mp3Duration(bytes);
      case "webm":
        return webmDuration(bytes);
      case "mp4":
        return mp4Duration(bytes);
    }
  } catch (error) {
    if (error instanceof Truncated) return { kind: "invalid", reason: `The ${format} container ends in the middle of a header.` };
    throw error;
  }
}

class Truncated extends Error {}

/** Bounds-checked big/little-endian reads over the upload (a short file is `invalid`, never an exception). */
class Reader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  need(offset: number, size: number): void {
    if (offset < 0 || offset + size > this.bytes.length) throw new Truncated();
  }
  u8(offset: number): number {
    this.need(offset, 1);
    return this.view.getUint8(offset);
  }
  u16le(offset: number): number {
    this.need(offset, 2);
    return this.view.getUint16(offset, true);
  }
  u32le(offset: number): number {
    this.need(offset, 4);
    return this.view.getUint32(offset, true);
  }
  u32be(offset: number): number {
    this.need(offset, 4);
    return this.view.getUint32(offset, false);
  }
  u64be(offset: number): number {
    this.need(offset, 8);
    return Number(this.view.getBigUint64(offset, false));
  }
  i64le(offset: number): bigint {
    this.need(offset, 8);
    return this.view.getBigInt64(offset, true);
  }
  ascii(offset: number, size: number): string {
    this.need(offset, size);
    return String.fromCharCode(...this.bytes.subarray(offset, offset + size));
  }
}

const known = (seconds: number): AudioDuration => (Number.isFinite(seconds) && seconds >= 0 ? { kind: "known", seconds } : { kind: "unknown" });

// ---------------------------------------------------------------- WAV

function wavDuration(bytes: Uint8Array): AudioDuration {
  const r = new Reader(bytes);
  if (r.length < 12 || r.ascii(0, 4) !== "RIFF" || r.ascii(8, 4) !== "WAVE") return { kind: "invalid", reason: "Not a RIFF/WAVE file." };
  let byteRate: number | undefined;
  for (let offset = 12; offset + 8 <= r.length; ) {
    const id = r.ascii(offset, 4);
    const size = r.u32le(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") {
      byteRate = r.u32le(body + 8);
    } else if (id === "data") {
      if (byteRate === undefined || byteRate === 0) return { kind: "invalid", reason: "The WAV data chunk comes without a usable fmt chunk." };
      const available = r.length - body;
      // 0 and 0xFFFFFFFF mark a stream whose length was not known when the header was written.
      const declared = size === 0 || size === 0xffffffff ? available : Math.min(size, available);
      return known(declared / byteRate);
    }
    offset = body + size + (size % 2);
  }
  return { kind: "invalid", reason: "The WAV file has no data chunk." };
}

// ---------------------------------------------------------------- Ogg

function oggDuration(bytes: Uint8Array): AudioDuration {
  const r = new Reader(bytes);
  if (r.length < 27 || r.ascii(0, 4) !== "OggS") return { kind: "invalid", reason: "Not an Ogg file." };
  const serial = r.u32le(14);
  const segments = r.u8(26);
  const packet = 27 + segments;
  let rate: number;
  let preSkip = 0;
  if (r.length >= packet + 19 && r.ascii(packet, 8) === "OpusHead") {
    rate = 48_000;
    preSkip = r.u16le(packet + 10);
  } else if (r.length >= packet + 16 && r.u8(packet) === 1 && r.ascii(packet + 1, 6) === "vorbis") {
    rate = r.u32le(packet + 12);
  } else {
    return { kind: "unknown" };
  }
  if (rate === 0) return { kind: "unknown" };
  // The last page of this logical stream with a granule position (-1 = no packet ends on that page).
  for (let offset = r.length - 27; offset >= 0; offset -= 1) {
    if (bytes[offset] !== 0x4f || r.ascii(offset, 4) !== "OggS" || r.u32le(offset + 14) !== serial) continue;
    const granule = r.i64le(offset + 6);
    if (granule < 0n) continue;
    return known(Math.max(0, Number(granule) - preSkip) / rate);
  }
  return { kind: "unknown" };
}

// ---------------------------------------------------------------- MP3

const MP3_BITRATES: Record<string, readonly number[]> = {
  // kbit/s by index 1…14, per "MPEG version-layer"
  "1-1": [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  "1-2": [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  "1-3": [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  "2-1": [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  "2-2": [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  "2-3": [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_RATES: Record<number, readonly number[]> = { 1: [44_100, 48_000, 32_000], 2: [22_050, 24_000, 16_000], 25: [11_025, 12_000, 8_000] };

interface Mp3Frame {
  version: 1 | 2 | 25;
  layer: 1 | 2 | 3;
  bitrate: number;
  sampleRate: number;
  mono: boolean;
  samples: number;
}

function mp3Frame(r: Reader, offset: number): Mp3Frame | undefined {
  if (offset + 4 > r.length) return undefined;
  const header = r.u32be(offset);
  if ((header & 0xffe00000) >>> 0 !== 0xffe00000) return undefined;
  const versionBits = (header >>> 19) & 3;
  const layerBits = (header >>> 17) & 3;
  const bitrateIndex = (header >>> 12) & 15;
  const rateIndex = (header >>> 10) & 3;
  if (versionBits === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const version = versionBits === 3 ? 1 : versionBits === 2 ? 2 : 25;
  const layer = layerBits === 3 ? 1 : layerBits === 2 ? 2 : 3;
  const bitrate = (MP3_BITRATES[`${version === 1 ? 1 : 2}-${layer}`]?.[bitrateIndex - 1] ?? 0) * 1000;
  const sampleRate = MP3_RATES[version]?.[rateIndex] ?? 0;
  const samples = layer === 1 ? 384 : layer === 2 || version === 1 ? 1152 : 576;
  return { version, layer, bitrate, sampleRate, mono: ((header >>> 6) & 3) === 3, samples };
}

function mp3Duration(bytes: Uint8Array): AudioDuration {
  const r = new Reader(bytes);
  let start = 0;
  if (r.length >= 10 && r.ascii(0, 3) === "ID3") {
    const size = ((r.u8(6) & 0x7f) << 21) | ((r.u8(7) & 0x7f) << 14) | ((r.u8(8) & 0x7f) << 7) | (r.u8(9) & 0x7f);
    start = 10 + size + ((r.u8(5) & 0x10) !== 0 ? 10 : 0);
  }
  // The first frame: allow a little junk before it (some encoders pad).
  let frame: Mp3Frame | undefined;
  const searchEnd = Math.min(r.length - 4, start + 4096);
  for (; start <= searchEnd; start += 1) {
    frame = mp3Frame(r, start);
    if (frame) break;
  }
  if (!frame || frame.sampleRate === 0) return { kind: "invalid", reason: "No MPEG audio frame found." };
  const sideInfo = frame.version === 1 ? (frame.mono ? 17 : 32) : frame.mono ? 9 : 17;
  const xing = start + 4 + sideInfo;
  if (xing + 12 <= r.length) {
    const tag = r.ascii(xing, 4);
    if ((tag === "Xing" || tag === "Info") && (r.u32be(xing + 4) & 1) === 1) {
      return known((r.u32be(xing + 8) * frame.samples) / frame.sampleRate);
    }
  }
  const vbri = start + 4 + 32;
  if (vbri + 18 <= r.length && r.ascii(vbri, 4) === "VBRI") return known((r.u32be(vbri + 14) * frame.samples) / frame.sampleRate);
  if (frame.bitrate === 0) return { kind: "unknown" };
  const tagged = r.length >= 128 && r.ascii(r.length - 128, 3) === "TAG" ? 128 : 0;
  return known(((r.length - start - tagged) * 8) / frame.bitrate);
}

// ---------------------------------------------------------------- WebM / Matroska (EBML)

const EBML_HEADER = 0x1a45dfa3;
const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const CLUSTER = 0x1f43b675;
const TIMECODE_SCALE = 0x2ad7b1;
const DURATION = 0x4489;

interface Element {
  id: number;
  /** null: unknown size (a live stream's Segment or Cluster). */
  size: number | null;
  body: number;
}

function vint(r: Reader, offset: number, keepMarker: boolean): { value: number | null; length: number } {
  const first = r.u8(offset);
  let length = 1;
  while (length <= 8 && (first & (0x80 >> (length - 1))) === 0) length += 1;
  if (length > 8) throw new Truncated();
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === (0xff >> length);
  for (let i = 1; i < length; i += 1) {
    const byte = r.u8(offset + i);
    if (byte !== 0xff) allOnes = false;
    value = value * 256 + byte;
  }
  return { value: !keepMarker && allOnes ? null : value, length };
}

function element(r: Reader, offset: number): Element {
  const id = vint(r, offset, true);
  const size = vint(r, offset + id.length, false);
  return { id: id.value ?? 0, size: size.value, body: offset + id.length + size.length };
}

function webmDuration(bytes: Uint8Array): AudioDuration {
  const r = new Reader(bytes);
  if (r.length < 4 || r.u32be(0) !== EBML_HEADER) return { kind: "invalid", reason: "Not a WebM (EBML) file." };
  const header = element(r, 0);
  if (header.size === null) return { kind: "invalid", reason: "The EBML header has no size." };
  const segment = element(r, header.body + header.size);
  if (segment.id !== SEGMENT) return { kind: "invalid", reason: "No Matroska Segment after the EBML header." };
  const end = segment.size === null ? r.length : Math.min(r.length, segment.body + segment.size);
  for (let offset = segment.body; offset < end; ) {
    const child = element(r, offset);
    if (child.id === CLUSTER || child.size === null) return { kind: "unknown" };
    if (child.id === INFO) return infoDuration(r, child.body, Math.min(end, child.body + child.size));
    offset = child.body + child.size;
  }
  return { kind: "unknown" };
}

function infoDuration(r: Reader, start: number, end: number): AudioDuration {
  let scale = 1_000_000;
  let duration: number | undefined;
  for (let offset = start; offset < end; ) {
    const child = element(r, offset);
    if (child.size === null) return { kind: "unknown" };
    if (child.id === TIMECODE_SCALE) {
      scale = 0;
      for (let i = 0; i < child.size; i += 1) scale = scale * 256 + r.u8(child.body + i);
    } else if (child.id === DURATION) {
      r.need(child.body, child.size);
      if (child.size === 4) duration = r.view.getFloat32(child.body, false);
      else if (child.size === 8) duration = r.view.getFloat64(child.body, false);
    }
    offset = child.body + child.size;
  }
  if (duration === undefined || scale === 0) return { kind: "unknown" };
  return known((duration * scale) / 1e9);
}

// ---------------------------------------------------------------- MP4 (ISO BMFF)

function boxes(r: Reader, start: number, end: number): { type: string; body: number; end: number }[] {
  const found: { type: string; body: number; end: number }[] = [];
  for (let offset = start; offset + 8 <= end; ) {
    let size = r.u32be(offset);
    const type = r.ascii(offset + 4, 4);
    let body = offset + 8;
    if (size === 1) {
      size = r.u64be(offset + 8);
      body += 8;
    } else if (size === 0) {
      size = end - offset;
    }
    if (size < body - offset) throw new Truncated();
    const boxEnd = Math.min(end, offset + size);
    found.push({ type, body, end: boxEnd });
    offset = offset + size;
  }
  return found;
}

function mp4Duration(bytes: Uint8Array): AudioDuration {
  const r = new Reader(bytes);
  if (r.length < 8 || r.ascii(4, 4) !== "ftyp") return { kind: "invalid", reason: "Not an MP4 file (no ftyp box first)." };
  const moov = boxes(r, 0, r.length).find((box) => box.type === "moov");
  if (!moov) return { kind: "unknown" };
  const mvhd = boxes(r, moov.body, moov.end).find((box) => box.type === "mvhd");
  if (!mvhd) return { kind: "unknown" };
  const version = r.u8(mvhd.body);
  const timescale = version === 1 ? r.u32be(mvhd.body + 20) : r.u32be(mvhd.body + 12);
  const duration = version === 1 ? r.u64be(mvhd.body + 24) : r.u32be(mvhd.body + 16);
  // A fragmented MP4 states 0 (or all ones) here: its length lives in the fragments.
  if (timescale === 0 || duration === 0 || duration === 0xffffffff) return { kind: "unknown" };
  return known(duration / timescale);
}
