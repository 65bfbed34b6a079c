#!/usr/bin/env bash
# Regenerates the compressed WAV fixtures of WavCodecsTest: half a second of espeak-ng speech at
# 8 kHz encoded by sox as A-law, μ-law, IMA ADPCM (mono and stereo) and GSM 6.10 (sox's GSM codec
# is libgsm), and beside each file sox's own decoding of it as raw 16-bit little-endian PCM
# (NAME.s16, interleaved for stereo): the samples the decoders must reproduce.
# Needs espeak-ng and sox (Debian packages espeak-ng, sox, libsox-fmt-base).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
espeak-ng -w "$tmp/voice.wav" "Press seven."
sox "$tmp/voice.wav" -r 8000 -c 1 -b 16 "$tmp/8k.wav" silence 1 0.01 1%
sox "$tmp/8k.wav" "$tmp/speech.wav" trim 0 4000s                # 0.5 s from the speech's onset
sox "$tmp/speech.wav" "$tmp/reversed.wav" reverse
sox -M "$tmp/speech.wav" "$tmp/reversed.wav" "$tmp/stereo.wav" trim 0 2000s   # left ≠ right
sox "$tmp/speech.wav" -e a-law speech8k-alaw.wav
sox "$tmp/speech.wav" -e u-law speech8k-ulaw.wav
sox "$tmp/speech.wav" -e ima-adpcm speech8k-ima.wav
sox "$tmp/stereo.wav" -e ima-adpcm speech8k-ima-stereo.wav
sox "$tmp/speech.wav" -e gsm-full-rate speech8k-gsm.wav
for f in speech8k-alaw speech8k-ulaw speech8k-ima speech8k-ima-stereo speech8k-gsm; do
  sox -D "$f.wav" -t s16 "$f.s16"    # -D: no dither, the decoder's samples as they are
done
