import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { audioDuration, audioFormatOf, type AudioFormat } from "../../../src/services/notes/audio-duration";
import { wav } from "../../support/audio";

/** Byte builders for the containers the parser reads (the layouts of their specifications). */
const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));
const u16le = (value: number) => [value & 0xff, (value >>> 8) & 0xff];
const u32le = (value: number) => [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
const u32be = (value: number) => [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
const u64le = (value: bigint) => Array.from({ length: 8 }, (_, i) => Number((BigInt.asUintN(64, value) >> BigInt(8 * i)) & 0xffn));
const u64be = (value: number) => [...u32be(Math.floor(value / 2 ** 32)), ...u32be(value >>> 0)];
const f64be = (value: number) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value, false);
  return [...new Uint8Array(view.buffer)];
};

/** One Ogg page (CRC left 0: the parser, like a duration probe, does not verify it). */
function oggPage(granule: bigint, serial: number, packet: number[], headerType = 0): number[] {
  const lacing: number[] = [];
  let left = packet.length;
  while (left >= 255) {
    lacing.push(255);
    left -= 255;
  }
  lacing.push(left);
  return [...ascii("OggS"), 0, headerType, ...u64le(granule), ...u32le(serial), ...u32le(0), ...u32le(0), lacing.length, ...lacing, ...packet];
}

function oggOpus(seconds: number, preSkip = 312): Uint8Array {
  const head = [...ascii("OpusHead"), 1, 1, ...u16le(preSkip), ...u32le(48_000), 0, 0, 0];
  const tags = [...ascii("OpusTags"), ...u32le(0), ...u32le(0)];
  const audio = new Array<number>(200).fill(0x55);
  return Uint8Array.from([
    ...oggPage(0n, 7, head, 2),
    ...oggPage(0n, 7, tags),
    ...oggPage(BigInt(Math.round(seconds * 48_000) + preSkip) / 2n, 7, audio),
    ...oggPage(BigInt(Math.round(seconds * 48_000) + preSkip), 7, audio, 4),
  ]);
}

function oggVorbis(seconds: number, rate = 44_100): Uint8Array {
  const ident = [1, ...ascii("vorbis"), ...u32le(0), 2, ...u32le(rate), ...u32le(0), ...u32le(128_000), ...u32le(0), 0xb8, 1];
  return Uint8Array.from([...oggPage(0n, 9, ident, 2), ...oggPage(BigInt(Math.round(seconds * rate)), 9, [1, 2, 3], 4), ...oggPage(-1n, 9, [4])]);
}

/** MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, stereo. */
const MP3_HEADER = [0xff, 0xfb, 0x90, 0x00];

function mp3Xing(frames: number, options: { id3?: boolean } = {}): Uint8Array {
  const id3 = options.id3 ? [...ascii("ID3"), 3, 0, 0, 0, 0, 0, 10, ...new Array<number>(10).fill(0)] : [];
  const frame = [...MP3_HEADER, ...new Array<number>(32).fill(0), ...ascii("Info"), ...u32be(1), ...u32be(frames), ...new Array<number>(400).fill(0)];
  return Uint8Array.from([...id3, ...frame, ...MP3_HEADER, ...new Array<number>(413).fill(0)]);
}

function mp3Cbr(seconds: number): Uint8Array {
  const bytes = new Uint8Array(Math.round((seconds * 128_000) / 8));
  bytes.set(MP3_HEADER, 0);
  return bytes;
}

const ebml = (id: number[], body: number[]) => {
  if (body.length > 126) throw new Error("test builder: body too long for a 1-byte size");
  return [...id, 0x80 | body.length, ...body];
};

function webm(durationMs: number | undefined, scale = 1_000_000): Uint8Array {
  const header = ebml([0x1a, 0x45, 0xdf, 0xa3], ebml([0x42, 0x82], ascii("webm")));
  const info = ebml([0x15, 0x49, 0xa9, 0x66], [
    ...ebml([0x2a, 0xd7, 0xb1], [(scale >>> 16) & 0xff, (scale >>> 8) & 0xff, scale & 0xff]),
    ...(durationMs === undefined ? [] : ebml([0x44, 0x89], f64be(durationMs))),
  ]);
  const seekHead = ebml([0x11, 0x4d, 0x9b, 0x74], [0xec, 0x81, 0x00]);
  const cluster = ebml([0x1f, 0x43, 0xb6, 0x75], [0xe7, 0x81, 0x00]);
  return Uint8Array.from([...header, ...ebml([0x18, 0x53, 0x80, 0x67], [...seekHead, ...info, ...cluster])]);
}

function mp4(timescale: number, duration: number, version: 0 | 1 = 0, moovLast = false): Uint8Array {
  const box = (type: string, body: number[]) => [...u32be(8 + body.length), ...ascii(type), ...body];
  const times = version === 0 ? [...u32be(0), ...u32be(0), ...u32be(timescale), ...u32be(duration)] : [...u64be(0), ...u64be(0), ...u32be(timescale), ...u64be(duration)];
  const mvhd = box("mvhd", [version, 0, 0, 0, ...times, ...new Array<number>(80).fill(0)]);
  const moov = box("moov", mvhd);
  const ftyp = box("ftyp", [...ascii("M4A "), ...u32be(0), ...ascii("isom")]);
  const mdat = box("mdat", new Array<number>(64).fill(0));
  return Uint8Array.from(moovLast ? [...ftyp, ...mdat, ...moov] : [...ftyp, ...moov, ...mdat]);
}

const seconds = (result: ReturnType<typeof audioDuration>) => (result.kind === "known" ? result.seconds : result.kind);

describe("audio duration from the container (src/services/notes/audio-duration.ts)", () => {
  it("media types", () => {
    expect(audioFormatOf("audio/wav")).toBe("wav");
    expect(audioFormatOf("audio/x-wav")).toBe("wav");
    expect(audioFormatOf("audio/webm;codecs=opus")).toBe("webm");
    expect(audioFormatOf("AUDIO/OGG")).toBe("ogg");
    expect(audioFormatOf("audio/mpeg")).toBe("mpeg");
    expect(audioFormatOf("audio/mp4")).toBe("mp4");
    expect(audioFormatOf("text/plain")).toBeUndefined();
    expect(audioFormatOf(undefined)).toBeUndefined();
  });

  it("WAV: data bytes / byte rate, capped by the bytes sent; streaming sizes use the bytes sent", () => {
    expect(seconds(audioDuration(wav(61), "wav"))).toBe(61);
    expect(seconds(audioDuration(wav(2.5, { sampleRate: 16_000, bytesPerSample: 2 }), "wav"))).toBe(2.5);
    expect(seconds(audioDuration(wav(10, { script: { id: "x", transcript: "odd length!" } }), "wav"))).toBe(10);
    expect(seconds(audioDuration(wav(4, { dataSize: 0xffffffff }), "wav"))).toBe(4);
    expect(seconds(audioDuration(wav(4, { dataSize: 8000 * 400 }), "wav"))).toBe(4);
    expect(seconds(audioDuration(wav(4, { dataSize: 8000 }), "wav"))).toBe(1);
    expect(audioDuration(new TextEncoder().encode("RIFF....WAVEjunk"), "wav").kind).toBe("invalid");
    expect(audioDuration(new TextEncoder().encode("hello"), "wav").kind).toBe("invalid");
  });

  it("Ogg: last granule position (Opus: minus pre-skip, over 48 kHz; Vorbis: over its rate)", () => {
    expect(seconds(audioDuration(oggOpus(61), "ogg"))).toBe(61);
    expect(seconds(audioDuration(oggOpus(301, 0), "ogg"))).toBe(301);
    expect(seconds(audioDuration(oggVorbis(12.5), "ogg"))).toBe(12.5);
    expect(audioDuration(Uint8Array.from(ascii("not ogg at all, sorry")), "ogg").kind).toBe("invalid");
  });

  it("MP3: Xing/Info frame count, else constant bit rate; an ID3v2 tag is skipped", () => {
    expect(seconds(audioDuration(mp3Xing(2336), "mpeg"))).toBeCloseTo((2336 * 1152) / 44_100, 6);
    expect(seconds(audioDuration(mp3Xing(100, { id3: true }), "mpeg"))).toBeCloseTo((100 * 1152) / 44_100, 6);
    expect(seconds(audioDuration(mp3Cbr(10), "mpeg"))).toBeCloseTo(10, 6);
    expect(audioDuration(new Uint8Array(64), "mpeg").kind).toBe("invalid");
  });

  it("WebM: Info Duration × TimecodeScale; none stated (live recording) → unknown", () => {
    expect(seconds(audioDuration(webm(61_000), "webm"))).toBe(61);
    expect(seconds(audioDuration(webm(61_000_000, 1000), "webm"))).toBe(61);
    expect(audioDuration(webm(undefined), "webm").kind).toBe("unknown");
    expect(audioDuration(Uint8Array.from([1, 2, 3, 4, 5]), "webm").kind).toBe("invalid");
  });

  it("MP4: mvhd duration / timescale (versions 0 and 1, moov first or last); fragmented → unknown", () => {
    expect(seconds(audioDuration(mp4(1000, 61_000), "mp4"))).toBe(61);
    expect(seconds(audioDuration(mp4(44_100, 44_100 * 301, 1), "mp4"))).toBe(301);
    expect(seconds(audioDuration(mp4(600, 600 * 5, 0, true), "mp4"))).toBe(5);
    expect(audioDuration(mp4(1000, 0), "mp4").kind).toBe("unknown");
    expect(audioDuration(Uint8Array.from(ascii("\u0000\u0000\u0000\u0008free")), "mp4").kind).toBe("invalid");
  });

  it("never throws on arbitrary or damaged bytes", () => {
    const formats: AudioFormat[] = ["wav", "ogg", "mpeg", "webm", "mp4"];
    const valid = [wav(1), oggOpus(1), mp3Xing(10), webm(1000), mp4(1000, 1000)];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(...formats), (bytes, format) => {
        audioDuration(bytes, format);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(), (index, flips, cut) => {
        const source = valid[index] ?? wav(1);
        const bytes = source.slice(0, source.length - (cut % source.length));
        for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
        const result = audioDuration(bytes, formats[index] ?? "wav");
        if (result.kind === "known") expect(result.seconds).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });
});
