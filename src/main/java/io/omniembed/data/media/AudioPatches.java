package io.omniembed.data.media;

/**
 * Audio to patches: decode WAV (PCM 8/16/24/32-bit, 32-bit float, A-law, μ-law, IMA ADPCM or GSM
 * 6.10, any channel count, mixed to mono), FLAC, Ogg Vorbis or MP3, resample to one rate with a
 * windowed-sinc filter, compute a log-mel spectrogram (Hann window, power spectrum, triangular
 * mel filters on the HTK mel scale), and group {@code framesPerPatch} consecutive frames into one
 * patch of {@code framesPerPatch × melBins} values; each patch's time step is its index.
 */
public final class AudioPatches {

  /** Preprocessing settings; the defaults are those of common speech front ends. */
  public record Spec(int sampleRate, int windowMs, int hopMs, int melBins, int framesPerPatch) {
    public Spec {
      if (sampleRate < 1000 || windowMs <= 0 || hopMs <= 0 || melBins <= 0
          || framesPerPatch <= 0) {
        throw new IllegalArgumentException("bad audio spec " + sampleRate + " Hz, window "
            + windowMs + " ms, hop " + hopMs + " ms, " + melBins + " mel bins, "
            + framesPerPatch + " frames per patch");
      }
    }

    public static Spec defaults() {
      return new Spec(16_000, 25, 10, 64, 4);
    }

    public int window() {
      return sampleRate * windowMs / 1000;
    }

    public int hop() {
      return sampleRate * hopMs / 1000;
    }

    public int patchDim() {
      return framesPerPatch * melBins;
    }
  }

  /** Mono samples in [-1, 1] at {@code rate} Hz. */
  public record Pcm(float[] samples, int rate) {}

  private static final float LOG_FLOOR = 1e-10f;

  private AudioPatches() {}

  public static Patches of(byte[] bytes, Spec spec) throws MediaException {
    Pcm pcm = decode(bytes);
    return patches(logMel(resample(pcm.samples(), pcm.rate(), spec.sampleRate()), spec), spec);
  }

  /** Decodes WAV, FLAC, Ogg Vorbis or MP3, told apart by their first bytes. */
  public static Pcm decode(byte[] b) throws MediaException {
    if (b == null || b.length == 0) {
      throw new MediaException("empty audio file");
    }
    CompressedAudio.Format format = CompressedAudio.detect(b);
    if (format == null) {
      throw new MediaException("unsupported audio format (expected WAV, FLAC, Ogg Vorbis or"
          + " MP3; the file starts with " + hex(b) + ")");
    }
    Pcm pcm = format == CompressedAudio.Format.WAV ? decodeWav(b) : CompressedAudio.decode(b,
        format);
    if (pcm.samples().length == 0) {
      throw new MediaException("audio with no samples");
    }
    return pcm;
  }

  private static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(8, b.length); i++) {
      sb.append(String.format("%02x", b[i] & 0xff));
    }
    return sb.toString();
  }

  /**
   * Parses a RIFF/WAVE file (PCM, float, A-law, μ-law, IMA ADPCM or GSM 6.10; see {@link
   * WavFile}); names what is wrong with a file that is not one or is cut.
   */
  public static Pcm decodeWav(byte[] b) throws MediaException {
    return WavFile.decode(b);
  }

  /**
   * Resamples with a Hann-windowed sinc kernel whose cut-off is the lower of the two Nyquist
   * frequencies (so downsampling does not alias).
   */
  public static float[] resample(float[] x, int from, int to) {
    if (from == to) {
      return x.clone();
    }
    int g = java.math.BigInteger.valueOf(from).gcd(java.math.BigInteger.valueOf(to)).intValue();
    int phases = to / g;
    if (phases > 4096) {
      return resampleDirect(x, from, to);
    }
    // Output sample i sits at input position i·from/to, whose fractional part repeats with
    // period to/g in i: the windowed-sinc taps of each phase are computed once (from i = p,
    // the same formula as resampleDirect; equal up to rounding) instead of a sin and a cos per
    // tap and sample.
    int n = (int) ((long) x.length * to / from);
    double ratio = (double) from / to;
    double cutoff = Math.min(1.0, 1.0 / ratio);
    int half = (int) Math.ceil(16 / cutoff);
    double[][] taps = new double[phases][2 * half];
    for (int p = 0; p < phases; p++) {
      double center = p * ratio;
      int lo = (int) Math.floor(center) - half + 1;
      for (int t = 0; t < 2 * half; t++) {
        taps[p][t] = kernel(lo + t - center, cutoff, half);
      }
    }
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      double center = i * ratio;
      int lo = (int) Math.floor(center) - half + 1;
      double[] k = taps[i % phases];
      double acc = 0;
      double norm = 0;
      for (int t = 0; t < 2 * half; t++) {
        int j = lo + t;
        if (j < 0 || j >= x.length) {
          continue;
        }
        acc += x[j] * k[t];
        norm += k[t];
      }
      y[i] = (float) (norm == 0 ? 0 : acc / norm);
    }
    return y;
  }

  /** The plain resampler: every tap's kernel computed where it is used (parity reference). */
  static float[] resampleDirect(float[] x, int from, int to) {
    int n = (int) ((long) x.length * to / from);
    float[] y = new float[n];
    double ratio = (double) from / to;
    double cutoff = Math.min(1.0, 1.0 / ratio);   // relative to the input's Nyquist
    int half = (int) Math.ceil(16 / cutoff);
    for (int i = 0; i < n; i++) {
      double center = i * ratio;
      int lo = (int) Math.floor(center) - half + 1;
      double acc = 0;
      double norm = 0;
      for (int j = lo; j < lo + 2 * half; j++) {
        if (j < 0 || j >= x.length) {
          continue;
        }
        double k = kernel(j - center, cutoff, half);
        acc += x[j] * k;
        norm += k;
      }
      y[i] = (float) (norm == 0 ? 0 : acc / norm);
    }
    return y;
  }

  /** Hann-windowed sinc at distance {@code d} input samples. */
  private static double kernel(double d, double cutoff, int half) {
    double arg = Math.PI * d * cutoff;
    double sinc = Math.abs(arg) < 1e-9 ? 1 : Math.sin(arg) / arg;
    double w = 0.5 + 0.5 * Math.cos(Math.PI * d / half);
    return sinc * (Math.abs(d) < half ? w : 0);
  }

  /** Log-mel spectrogram, {@code [frames][melBins]}; audio shorter than a window is padded. */
  public static float[][] logMel(float[] x, Spec spec) {
    int win = spec.window();
    int hop = spec.hop();
    int nfft = Integer.highestOneBit(win - 1) << 1;
    int frames = x.length <= win ? 1 : 1 + (x.length - win + hop - 1) / hop;
    float[][] filters = melFilters(spec.melBins(), nfft, spec.sampleRate());
    double[] hann = new double[win];
    for (int i = 0; i < win; i++) {
      hann[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / win);
    }
    float[][] out = new float[frames][spec.melBins()];
    double[] re = new double[nfft];
    double[] im = new double[nfft];
    for (int f = 0; f < frames; f++) {
      java.util.Arrays.fill(re, 0);
      java.util.Arrays.fill(im, 0);
      for (int i = 0; i < win; i++) {
        int at = f * hop + i;
        re[i] = at < x.length ? x[at] * hann[i] : 0;
      }
      fft(re, im);
      for (int m = 0; m < spec.melBins(); m++) {
        double e = 0;
        float[] filter = filters[m];
        for (int k = 0; k < filter.length; k++) {
          if (filter[k] != 0) {
            e += filter[k] * (re[k] * re[k] + im[k] * im[k]);
          }
        }
        out[f][m] = (float) Math.log(Math.max(e, LOG_FLOOR));
      }
    }
    return out;
  }

  /** Groups frames into patches (the last one padded with the log floor). */
  public static Patches patches(float[][] mel, Spec spec) {
    int per = spec.framesPerPatch();
    int count = (mel.length + per - 1) / per;
    int dim = spec.patchDim();
    float[] values = new float[count * dim];
    int[] time = new int[count];
    for (int p = 0; p < count; p++) {
      time[p] = p;
      for (int f = 0; f < per; f++) {
        int frame = p * per + f;
        for (int m = 0; m < spec.melBins(); m++) {
          values[p * dim + f * spec.melBins() + m] = frame < mel.length ? mel[frame][m]
              : (float) Math.log(LOG_FLOOR);
        }
      }
    }
    return new Patches(count, dim, values, time);
  }

  static double hzToMel(double hz) {
    return 2595 * Math.log10(1 + hz / 700);
  }

  static double melToHz(double mel) {
    return 700 * (Math.pow(10, mel / 2595) - 1);
  }

  /** Triangular filters over FFT bins 0..nfft/2, equally spaced on the mel scale up to Nyquist. */
  static float[][] melFilters(int bins, int nfft, int rate) {
    int spectrum = nfft / 2 + 1;
    double top = hzToMel(rate / 2.0);
    double[] edges = new double[bins + 2];
    for (int i = 0; i < edges.length; i++) {
      edges[i] = melToHz(top * i / (bins + 1)) * nfft / rate;   // in FFT bins
    }
    float[][] f = new float[bins][spectrum];
    for (int m = 0; m < bins; m++) {
      double lo = edges[m];
      double mid = edges[m + 1];
      double hi = edges[m + 2];
      for (int k = 0; k < spectrum; k++) {
        double w = k < lo || k > hi ? 0 : k <= mid ? (k - lo) / Math.max(mid - lo, 1e-9)
            : (hi - k) / Math.max(hi - mid, 1e-9);
        f[m][k] = (float) Math.max(0, w);
      }
    }
    return f;
  }

  /** In-place iterative radix-2 FFT; {@code re.length} is a power of two. */
  static void fft(double[] re, double[] im) {
    int n = re.length;
    for (int i = 1, j = 0; i < n; i++) {
      int bit = n >> 1;
      for (; (j & bit) != 0; bit >>= 1) {
        j ^= bit;
      }
      j ^= bit;
      if (i < j) {
        double t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    for (int len = 2; len <= n; len <<= 1) {
      double ang = -2 * Math.PI / len;
      double wr = Math.cos(ang);
      double wi = Math.sin(ang);
      for (int i = 0; i < n; i += len) {
        double cr = 1;
        double ci = 0;
        for (int k = 0; k < len / 2; k++) {
          int a = i + k;
          int b = a + len / 2;
          double tr = re[b] * cr - im[b] * ci;
          double ti = re[b] * ci + im[b] * cr;
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] += tr;
          im[a] += ti;
          double ncr = cr * wr - ci * wi;
          ci = cr * wi + ci * wr;
          cr = ncr;
        }
      }
    }
  }
}
