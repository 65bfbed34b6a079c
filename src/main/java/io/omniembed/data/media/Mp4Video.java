package io.omniembed.data.media;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.jcodec.api.FrameGrab;
import org.jcodec.common.DemuxerTrackMeta;
import org.jcodec.common.io.ByteBufferSeekableByteChannel;
import org.jcodec.common.model.Picture;
import org.jcodec.scale.AWTUtil;

/**
 * The frames of an MP4 (H.264) video, decoded with JCodec (pure Java): only the {@code count}
 * frames sampled evenly are decoded, each by a precise seek (decoding from the key frame before
 * it). The audio track, if any, is not read.
 */
final class Mp4Video {

  private Mp4Video() {}

  static List<BufferedImage> sampledFrames(byte[] bytes, int count) throws MediaException {
    try {
      FrameGrab grab = FrameGrab.createFrameGrab(new ByteBufferSeekableByteChannel(
          ByteBuffer.wrap(bytes), bytes.length));
      DemuxerTrackMeta meta = grab.getVideoTrack().getMeta();
      int total = meta.getTotalFrames();
      if (total <= 0) {
        throw new MediaException("MP4 video with no frames");
      }
      List<BufferedImage> frames = new ArrayList<>(count);
      for (int k = 0; k < count; k++) {
        int index = (int) Math.min(total - 1, Math.round((k + 0.5) * total / count - 0.5));
        grab.seekToFramePrecise(index);
        Picture p = grab.getNativeFrame();
        if (p == null) {
          throw new MediaException("MP4 video: frame " + index + " of " + total
              + " could not be decoded (truncated?)");
        }
        frames.add(AWTUtil.toBufferedImage(p));
      }
      return frames;
    } catch (MediaException e) {
      throw e;
    } catch (Exception e) {
      throw new MediaException("unreadable MP4 video (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); H.264 in MP4 is decoded",
          e);
    }
  }
}
