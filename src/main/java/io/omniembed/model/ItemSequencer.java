package io.omniembed.model;

import io.omniembed.model.layer.Sequence;

import io.omniembed.config.MediaSpec;
import io.omniembed.data.Item;
import io.omniembed.data.Modality;
import io.omniembed.data.Part;
import io.omniembed.data.media.AudioPatches;
import io.omniembed.data.media.ImagePatches;
import io.omniembed.data.media.MediaException;
import io.omniembed.data.media.Patches;
import io.omniembed.data.media.VideoPatches;
import io.omniembed.data.text.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns an item into the sequence the encoder reads: its parts in their order, text as tokens and
 * media as patches, between the tokenizer's two special tokens ([CLS] and [SEP] for BERT's
 * vocabulary, &lt;s&gt; and &lt;/s&gt; for XLM-RoBERTa's; {@link TextTokenizer#clsId()}).
 *
 * <pre>
 *   [CLS] text… | image patches | audio patches | video patches (frame by frame) … [SEP]
 * </pre>
 *
 * <p>A text-only item is tokenised exactly as the text model always did (its parts joined by a
 * space). Length limits, each cutting the item and marking it truncated: {@code maxLength} for
 * all of an item's text tokens together (specials included), the media config's per-modality
 * limits (audio patches; images and videos have a fixed size), and the model's positions for the
 * whole sequence.
 */
public final class ItemSequencer {

  /** Reads the bytes of one media part (from its URI, resolved, or inline). */
  public interface MediaReader {
    byte[] read(Part.Media part) throws MediaException;
  }

  private final TextTokenizer tokenizer;
  private final MediaSpec media;
  private final String modelId;
  private final int maxLength;
  private final int maxPositions;

  /**
   * @param media     the model's media config; null for a text-only model (media items are then
   *                  refused with the reason)
   * @param maxLength text tokens kept per item, [CLS] and [SEP] included
   */
  public ItemSequencer(TextTokenizer tokenizer, MediaSpec media, String modelId, int maxLength,
      int maxPositions) {
    this.tokenizer = tokenizer;
    this.media = media;
    this.modelId = modelId;
    this.maxLength = maxLength;
    this.maxPositions = maxPositions;
  }

  public MediaSpec media() {
    return media;
  }

  /** The sequence of {@code item}, or a MediaException saying why its media cannot be read. */
  public Sequence sequence(Item item, MediaReader reader) throws MediaException {
    if (item.isTextOnly()) {
      TextTokenizer.Tokens t = tokenizer.encode(item.joinedText(), maxLength);
      return Sequence.text(t.ids(), t.truncated());
    }
    if (media == null) {
      String kinds = item.parts().stream().filter(p -> !(p instanceof Part.Text))
          .map(p -> p.modality().key()).distinct().reduce((a, b) -> a + ", " + b).orElse("");
      throw new MediaException("model " + modelId + " embeds text only; this item has " + kinds
          + " parts");
    }
    Builder b = new Builder();
    b.token(tokenizer.clsId());
    int textBudget = maxLength - 2;
    boolean truncated = false;
    int partIndex = 0;
    for (Part part : item.parts()) {
      if (part instanceof Part.Text t) {
        if (t.text().isBlank()) {
          partIndex++;
          continue;
        }
        TextTokenizer.Tokens tokens = tokenizer.encode(t.text(), textBudget + 2);
        int[] ids = tokens.ids();
        for (int i = 1; i < ids.length - 1; i++) {
          b.token(ids[i]);
        }
        textBudget -= ids.length - 2;
        truncated |= tokens.truncated();
      } else {
        Part.Media m = (Part.Media) part;
        Patches patches = patches(m, reader.read(m), partIndex);
        if (m.modality() == Modality.AUDIO && patches.count() > media.maxAudioPatches()) {
          patches = patches.first(media.maxAudioPatches());
          truncated = true;
        }
        b.patches(m.modality(), patches);
      }
      partIndex++;
    }
    b.token(tokenizer.sepId());
    return b.build(maxPositions, truncated);
  }

  private Patches patches(Part.Media m, byte[] bytes, int partIndex) throws MediaException {
    try {
      switch (m.modality()) {
        case IMAGE:
          return ImagePatches.of(bytes, media.image());
        case AUDIO:
          return AudioPatches.of(bytes, media.audio());
        case VIDEO:
          return VideoPatches.of(bytes, media.video());
        default:
          throw new IllegalStateException("not a media modality: " + m.modality());
      }
    } catch (MediaException e) {
      throw new MediaException(m.modality().key() + " " + (m.uri() != null ? "'" + m.uri() + "'"
          : "(inline bytes, part " + partIndex + ")") + ": " + e.getMessage(), e);
    }
  }

  /** Positions in order; cut to the model's positions (keeping [SEP] last) when longer. */
  private static final class Builder {
    private final List<Integer> ids = new ArrayList<>();
    private final List<Integer> types = new ArrayList<>();
    private final List<float[]> patches = new ArrayList<>();
    private final List<Integer> times = new ArrayList<>();

    void token(int id) {
      ids.add(id);
      types.add(Modality.TEXT.typeId());
      patches.add(null);
      times.add(0);
    }

    void patches(Modality m, Patches p) {
      for (int i = 0; i < p.count(); i++) {
        ids.add(0);
        types.add(m.typeId());
        patches.add(p.patch(i));
        times.add(m == Modality.VIDEO ? p.time()[i] : 0);
      }
    }

    Sequence build(int maxPositions, boolean truncated) {
      int n = ids.size();
      if (n > maxPositions) {
        int sep = n - 1;
        n = maxPositions;
        ids.set(n - 1, ids.get(sep));
        types.set(n - 1, types.get(sep));
        patches.set(n - 1, null);
        times.set(n - 1, 0);
        truncated = true;
      }
      int[] i = new int[n];
      int[] ty = new int[n];
      int[] ti = new int[n];
      float[][] p = new float[n][];
      for (int k = 0; k < n; k++) {
        i[k] = ids.get(k);
        ty[k] = types.get(k);
        ti[k] = times.get(k);
        p[k] = patches.get(k);
      }
      return new Sequence(i, ty, p, ti, truncated);
    }
  }

  @Override
  public String toString() {
    return "ItemSequencer(" + modelId + ", media " + (media == null ? "none" : media) + ", "
        + Arrays.asList(maxLength, maxPositions) + ")";
  }
}
