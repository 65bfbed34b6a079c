package io.omniembed.data.media;

import com.jcraft.jogg.Packet;
import com.jcraft.jogg.Page;
import com.jcraft.jogg.StreamState;
import com.jcraft.jogg.SyncState;
import com.jcraft.jorbis.Block;
import com.jcraft.jorbis.Comment;
import com.jcraft.jorbis.DspState;
import com.jcraft.jorbis.Info;

/**
 * Decodes an Ogg Vorbis file (first logical stream) to mono PCM with JOrbis, driving its
 * packet decoder directly (the layout of JOrbis's own decode example): sync pages, read the three
 * header packets, then synthesise every audio packet and mix its channels down.
 */
final class OggVorbis {

  private OggVorbis() {}

  static AudioPatches.Pcm decode(byte[] bytes) throws MediaException {
    SyncState sync = new SyncState();
    StreamState stream = new StreamState();
    Page page = new Page();
    Packet packet = new Packet();
    Info info = new Info();
    Comment comment = new Comment();
    sync.init();
    int offset = 0;
    offset = feed(sync, bytes, offset);
    if (sync.pageout(page) != 1) {
      throw new MediaException("not a readable OGG file (no Ogg page)");
    }
    stream.init(page.serialno());
    info.init();
    comment.init();
    if (stream.pagein(page) < 0 || stream.packetout(packet) != 1
        || info.synthesis_headerin(comment, packet) < 0) {
      throw new MediaException("not a readable OGG file (no Vorbis header: another codec?)");
    }
    int headers = 1;
    while (headers < 3) {
      int r = sync.pageout(page);
      if (r == 0) {
        if (offset >= bytes.length) {
          throw new MediaException("truncated OGG file (cut inside the Vorbis headers)");
        }
        offset = feed(sync, bytes, offset);
        continue;
      }
      if (r < 0) {
        continue;
      }
      stream.pagein(page);
      while (headers < 3) {
        int p = stream.packetout(packet);
        if (p == 0) {
          break;
        }
        if (p < 0 || info.synthesis_headerin(comment, packet) < 0) {
          throw new MediaException("corrupt OGG file (bad Vorbis header packet)");
        }
        headers++;
      }
    }
    int channels = info.channels;
    int rate = info.rate;
    if (channels <= 0 || rate <= 0) {
      throw new MediaException("corrupt OGG file (" + channels + " channels at " + rate + " Hz)");
    }
    DspState dsp = new DspState();
    dsp.synthesis_init(info);
    Block block = new Block(dsp);
    float[] out = new float[1 << 16];
    int n = 0;
    float[][][] pcm = new float[1][][];
    int[] index = new int[channels];
    boolean end = false;
    while (!end) {
      int r = sync.pageout(page);
      if (r == 0) {
        if (offset >= bytes.length) {
          break;
        }
        offset = feed(sync, bytes, offset);
        continue;
      }
      if (r < 0) {
        continue;   // a gap: JOrbis resyncs
      }
      stream.pagein(page);
      while (true) {
        int p = stream.packetout(packet);
        if (p == 0) {
          break;
        }
        if (p < 0) {
          continue;
        }
        if (block.synthesis(packet) == 0) {
          dsp.synthesis_blockin(block);
        }
        int samples;
        while ((samples = dsp.synthesis_pcmout(pcm, index)) > 0) {
          if (n + samples > out.length) {
            out = java.util.Arrays.copyOf(out, Math.max(out.length * 2, n + samples));
          }
          for (int i = 0; i < samples; i++) {
            float sum = 0;
            for (int c = 0; c < channels; c++) {
              sum += pcm[0][c][index[c] + i];
            }
            out[n + i] = Math.max(-1f, Math.min(1f, sum / channels));
          }
          n += samples;
          dsp.synthesis_read(samples);
        }
      }
      end = page.eos() != 0;
    }
    stream.clear();
    block.clear();
    dsp.clear();
    info.clear();
    sync.clear();
    if (n == 0) {
      throw new MediaException("OGG file with no samples (truncated?)");
    }
    return new AudioPatches.Pcm(java.util.Arrays.copyOf(out, n), rate);
  }

  private static int feed(SyncState sync, byte[] bytes, int offset) {
    int size = Math.min(4096, bytes.length - offset);
    int at = sync.buffer(size);
    System.arraycopy(bytes, offset, sync.data, at, size);
    sync.wrote(size);
    return offset + size;
  }
}
