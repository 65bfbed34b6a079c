package io.omniembed.model;

import io.omniembed.model.layer.ParamStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity of a model's weights: the SHA-256 of its parameters as float32 little-endian in
 * layout order (the bytes of a checkpoint's {@code params.bin}), recorded as
 * {@code omniembed.model_hash} in every output, so vectors of different weights never mix.
 */
public final class ModelHash {

  private ModelHash() {}

  /** The hash of {@code store}'s parameters. */
  public static String of(ParamStore store) {
    float[] values = store.toFloatArray();
    ByteBuffer bb = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bb.asFloatBuffer().put(values);
    return sha256(bb.array());
  }

  /** Lower-case hex SHA-256 of {@code bytes}. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
