package io.omniembed.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The safetensors reader: the writer's files read back exactly; F16 and BF16 widened to the
 * float32 values they encode; every kind of damaged header refused with the file and the reason.
 */
class SafetensorsTest {

  private static final FloatTensor A = new FloatTensor("a", new long[] {2, 3},
      new float[] {1, -2, 3.5f, 0, 1e-30f, -7});
  private static final FloatTensor B = new FloatTensor("b.bias", new long[] {2},
      new float[] {0.25f, -0.5f});

  private static Safetensors open(byte[] bytes) throws IOException {
    return Safetensors.open(Safetensors.Source.of(bytes), "m.safetensors");
  }

  /** A file with {@code header} (JSON) and {@code data}, as the format lays them out. */
  private static byte[] file(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer bb = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    bb.putLong(h.length).put(h).put(data);
    return bb.array();
  }

  @Test
  void writtenTensorsReadBackExactly() throws IOException {
    Safetensors st = open(Safetensors.writeF32(List.of(A, B)));
    assertEquals(List.of("a", "b.bias"), List.copyOf(st.names()));
    FloatTensor a = st.tensor("a");
    assertArrayEquals(new long[] {2, 3}, a.dims());
    assertArrayEquals(A.values(), a.values());
    assertArrayEquals(B.values(), st.tensor("b.bias").values());
    assertArrayEquals(new float[] {1, 0, -2, 1e-30f, 3.5f, -7}, a.transposed().values());
  }

  @Test
  void theWriterLaysOutTheFormatAndItsMetadataReadsBack() throws IOException {
    byte[] bytes = Safetensors.writeF32(List.of(A, B), java.util.Map.of("format", "pt"));
    long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    // header padded with spaces to a multiple of 8; the tensors back to back after it
    assertEquals(0, n % 8);
    assertEquals("{\"__metadata__\":{\"format\":\"pt\"},"
        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
        + "\"b.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]}}",
        header.stripTrailing());
    assertTrue(header.length() - header.stripTrailing().length() < 8);
    assertEquals(8 + n + 32, bytes.length);
    assertEquals(-7f, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN)
        .getFloat((int) (8 + n + 20)));
    Safetensors st = open(bytes);
    assertEquals(List.of("a", "b.bias"), List.copyOf(st.names()));
    assertArrayEquals(A.values(), st.tensor("a").values());
    assertArrayEquals(B.values(), st.tensor("b.bias").values());
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
        () -> Safetensors.writeF32(List.of(A, A)));
    assertEquals("two tensors named a", twice.getMessage());
  }

  @Test
  void halfAndBfloat16AreWidenedToTheValuesTheyEncode() throws IOException {
    // F16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 (largest) = 0x7bff, 2^-24 (smallest subnormal) =
    // 0x0001, 0.333251953125 = 0x3555, -0.0 = 0x8000, inf = 0x7c00.
    short[] half = {0x3c00, (short) 0xc000, 0x7bff, 0x0001, 0x3555, (short) 0x8000, 0x7c00};
    float[] halfValues = {1f, -2f, 65504f, 0x1p-24f, 0.333251953125f, -0f,
        Float.POSITIVE_INFINITY};
    // BF16: the high half of a float32: 1.0 = 0x3f80, -3.140625 = 0xc049, 1e38-ish = 0x7e96.
    short[] bf = {0x3f80, (short) 0xc049, 0x7e96};
    float[] bfValues = {1f, -3.140625f, Float.intBitsToFloat(0x7e960000)};
    ByteBuffer data = ByteBuffer.allocate(2 * (half.length + bf.length))
        .order(ByteOrder.LITTLE_ENDIAN);
    for (short s : half) {
      data.putShort(s);
    }
    for (short s : bf) {
      data.putShort(s);
    }
    String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[7],\"data_offsets\":[0,14]},"
        + "\"g\":{\"dtype\":\"BF16\",\"shape\":[1,3],\"data_offsets\":[14,20]},"
        + "\"__metadata__\":{\"format\":\"pt\"}}";
    Safetensors st = open(file(header, data.array()));
    assertArrayEquals(halfValues, st.tensor("h").values());
    assertArrayEquals(bfValues, st.tensor("g").values());
    assertArrayEquals(new long[] {1, 3}, st.tensor("g").dims());
    // Every half is exact in float32: a full sweep of the finite ones round-trips through
    // Float's own conversion of the same bits.
    for (int bits = 0; bits < 0x10000; bits++) {
      int exp = (bits >>> 10) & 0x1f;
      if (exp == 31) {
        continue;
      }
      float f = Safetensors.halfToFloat(bits);
      double expected = (exp == 0 ? (bits & 0x3ff) * Math.pow(2, -24)
          : (1 + (bits & 0x3ff) / 1024.0) * Math.pow(2, exp - 15)) * ((bits & 0x8000) != 0 ? -1
          : 1);
      assertEquals(expected, f, 0.0, "half 0x" + Integer.toHexString(bits));
    }
  }

  @Test
  void aTruncatedFileIsRefused() {
    byte[] good = Safetensors.writeF32(List.of(A, B));
    IOException shortFile = assertThrows(IOException.class, () -> open(new byte[] {1, 2, 3}));
    assertEquals("m.safetensors: 3 bytes, too short for a safetensors file (an 8-byte header"
        + " length comes first)", shortFile.getMessage());
    byte[] headerCut = java.util.Arrays.copyOf(good, 40);
    long headerLength = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong();
    IOException header = assertThrows(IOException.class, () -> open(headerCut));
    assertEquals("m.safetensors: header length " + headerLength + " runs past the end of the"
        + " file (40 bytes); the file is truncated or not safetensors", header.getMessage());
    byte[] dataCut = java.util.Arrays.copyOf(good, good.length - 4);
    IOException data = assertThrows(IOException.class, () -> open(dataCut));
    assertEquals("m.safetensors: tensor b.bias: data_offsets [24, 32] lie outside the data (28"
        + " bytes after the header); the file is truncated or tampered", data.getMessage());
  }

  @Test
  void tamperedHeadersAreRefused() {
    byte[] data = new byte[32];
    IOException outside = assertThrows(IOException.class, () -> open(file(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[16],\"data_offsets\":[8,72]}}", data)));
    assertEquals("m.safetensors: tensor b: data_offsets [8, 72] lie outside the data (32 bytes"
        + " after the header); the file is truncated or tampered", outside.getMessage());
    IOException overlap = assertThrows(IOException.class, () -> open(file(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[12,28]}}", data)));
    assertEquals("m.safetensors: tensors a and b overlap (bytes [0, 16) and [12, 28)); the file"
        + " is tampered", overlap.getMessage());
    IOException size = assertThrows(IOException.class, () -> open(file(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[3,3],\"data_offsets\":[0,32]}}", data)));
    assertEquals("m.safetensors: tensor a: data_offsets [0, 32] hold 32 bytes, but shape [3, 3]"
        + " of F32 needs 36", size.getMessage());
    IOException dtype = assertThrows(IOException.class, () -> open(file(
        "{\"a\":{\"dtype\":\"F31\",\"shape\":[8],\"data_offsets\":[0,32]}}", data)));
    assertEquals("m.safetensors: tensor a has dtype 'F31', which is not a safetensors dtype",
        dtype.getMessage());
    IOException json = assertThrows(IOException.class, () -> open(file("{\"a\": [1, 2", data)));
    assertEquals(true, json.getMessage().startsWith("m.safetensors: the header is not JSON ("),
        json.getMessage());
  }

  @Test
  void tensorsOfOtherDtypesAreRefusedWhenRead() throws IOException {
    // BERT files may carry an int64 position_ids buffer: the file opens, that tensor is refused.
    Safetensors st = open(file(
        "{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
            + "\"w\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[16,32]}}", new byte[32]));
    IOException i64 = assertThrows(IOException.class, () -> st.tensor("ids"));
    assertEquals("m.safetensors: tensor ids has dtype I64; only F32, F16 and BF16 are read",
        i64.getMessage());
    IOException f64 = assertThrows(IOException.class, () -> st.tensor("w"));
    assertEquals("m.safetensors: tensor w has dtype F64; only F32, F16 and BF16 are read",
        f64.getMessage());
  }
}
