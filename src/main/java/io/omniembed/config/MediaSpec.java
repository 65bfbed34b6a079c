package io.omniembed.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.omniembed.data.media.AudioPatches;
import io.omniembed.data.media.ImagePatches;
import io.omniembed.data.media.VideoPatches;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * How an encoder sees media: the preprocessing of each modality and its length limit. Part of a
 * {@link ModelConfig} ({@code media { ... }}); a model without it embeds text only.
 *
 * <p>Images are fitted into {@code imageSize}² and cut into {@code imagePatch}² patches (RGB);
 * audio becomes a 16 kHz log-mel spectrogram of {@code audioMelBins} bins, {@code
 * audioFramesPerPatch} 10 ms frames per patch, at most {@code maxAudioPatches} patches (longer
 * clips are cut and reported); a video is {@code videoFrames} frames sampled evenly, each fitted
 * into {@code videoSize}² and cut into {@code videoPatch}² patches, with a time embedding per
 * frame. Media files above {@code maxMediaBytes} are refused.
 */
public record MediaSpec(int imageSize, int imagePatch, int audioMelBins, int audioFramesPerPatch,
    int maxAudioPatches, int videoSize, int videoPatch, int videoFrames, long maxMediaBytes)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  static final Set<String> KEYS = Set.of("image_size", "image_patch", "audio_mel_bins",
      "audio_frames_per_patch", "max_audio_patches", "video_size", "video_patch",
      "video_frames", "max_media_bytes");

  public MediaSpec {
    positive("image_size", imageSize);
    positive("image_patch", imagePatch);
    positive("audio_mel_bins", audioMelBins);
    positive("audio_frames_per_patch", audioFramesPerPatch);
    positive("max_audio_patches", maxAudioPatches);
    positive("video_size", videoSize);
    positive("video_patch", videoPatch);
    positive("video_frames", videoFrames);
    if (maxMediaBytes <= 0) {
      throw new IllegalArgumentException("media config: max_media_bytes must be > 0");
    }
    if (imageSize % imagePatch != 0 || videoSize % videoPatch != 0) {
      throw new IllegalArgumentException("media config: image_size (" + imageSize + ") and"
          + " video_size (" + videoSize + ") must be multiples of their patch sizes ("
          + imagePatch + ", " + videoPatch + ")");
    }
  }

  public ImagePatches.Spec image() {
    return new ImagePatches.Spec(imageSize, imagePatch);
  }

  public AudioPatches.Spec audio() {
    AudioPatches.Spec d = AudioPatches.Spec.defaults();
    return new AudioPatches.Spec(d.sampleRate(), d.windowMs(), d.hopMs(), audioMelBins,
        audioFramesPerPatch);
  }

  public VideoPatches.Spec video() {
    return new VideoPatches.Spec(videoFrames, new ImagePatches.Spec(videoSize, videoPatch));
  }

  /** Patches one video takes in the sequence. */
  public int videoPatches() {
    return videoFrames * video().image().patchesPerImage();
  }

  /** Loads a media preset shipped under {@code conf/media/NAME.conf}. */
  public static MediaSpec preset(String name) {
    String resource = "conf/media/" + name + ".conf";
    InputStream in = MediaSpec.class.getClassLoader().getResourceAsStream(resource);
    if (in == null) {
      throw new IllegalArgumentException("unknown media preset '" + name + "' (known: default,"
          + " tiny)");
    }
    try (InputStreamReader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      return fromConfig(ConfigFactory.parseReader(reader), resource);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
  }

  /** Reads a file of media settings. */
  public interface Reader {
    String read(String path) throws java.io.IOException;
  }

  /** A preset name, or a {@code .conf} file read through {@code reader}. */
  public static MediaSpec load(String presetOrFile, Reader reader) throws java.io.IOException {
    if (!presetOrFile.endsWith(".conf")) {
      return preset(presetOrFile);
    }
    try {
      return fromConfig(ConfigFactory.parseString(reader.read(presetOrFile)), presetOrFile);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(presetOrFile + ": " + e.getMessage(), e);
    }
  }

  static MediaSpec fromConfig(Config c, String origin) {
    for (String key : c.root().keySet()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(origin + ": unknown media config key '" + key + "'");
      }
    }
    try {
      return new MediaSpec(c.getInt("image_size"), c.getInt("image_patch"),
          c.getInt("audio_mel_bins"), c.getInt("audio_frames_per_patch"),
          c.getInt("max_audio_patches"), c.getInt("video_size"), c.getInt("video_patch"),
          c.getInt("video_frames"), c.getBytes("max_media_bytes"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
    }
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("image_size", imageSize);
    m.put("image_patch", imagePatch);
    m.put("audio_mel_bins", audioMelBins);
    m.put("audio_frames_per_patch", audioFramesPerPatch);
    m.put("max_audio_patches", maxAudioPatches);
    m.put("video_size", videoSize);
    m.put("video_patch", videoPatch);
    m.put("video_frames", videoFrames);
    m.put("max_media_bytes", maxMediaBytes);
    return m;
  }

  private static void positive(String key, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException("media config: " + key + " must be > 0, got " + value);
    }
  }
}
