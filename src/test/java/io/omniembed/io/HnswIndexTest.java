package io.omniembed.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HNSW index on its own, without Spark: built from known vectors, searched with a width that
 * covers the whole set it must give the brute-force ranking (scores as dot products, ties by id);
 * its manifest names every file that changed.
 */
class HnswIndexTest {

  private static final Configuration CONF = new Configuration();

  static float[] unit(Random r, int dim) {
    float[] v = new float[dim];
    double norm = 0;
    for (int i = 0; i < dim; i++) {
      v[i] = (float) r.nextGaussian();
      norm += (double) v[i] * v[i];
    }
    for (int i = 0; i < dim; i++) {
      v[i] /= (float) Math.sqrt(norm);
    }
    return v;
  }

  static VectorSet set(Path dir, long count, VectorSet.DataFile... files) {
    return new VectorSet(dir.toString(), new VectorSet.Meta("m", "hash-1", 16, "l2"),
        List.of(files), count);
  }

  @Test
  void aSearchAsWideAsTheSetGivesTheExactRanking(@TempDir Path dir) throws Exception {
    Random r = new Random(4);
    List<VectorSet.Vector> vectors = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      vectors.add(new VectorSet.Vector("v" + i, unit(r, 16)));
    }
    // two copies of one vector under other ids: a tie that must break by id, as TopK does
    vectors.add(new VectorSet.Vector("z-copy", vectors.get(7).values()));
    vectors.add(new VectorSet.Vector("a-copy", vectors.get(7).values()));
    VectorSet set = set(dir, vectors.size(), new VectorSet.DataFile("part-00000.parquet", 1, 1));
    HnswIndex.Manifest built = HnswIndex.build(set, vectors.iterator(), CONF);
    assertEquals(302, built.vectors());
    assertEquals(built, HnswIndex.manifest(dir.toString(), CONF));
    assertTrue(Files.notExists(dir.resolve("_hnsw/write.lock")));

    try (HnswIndex index = HnswIndex.open(set, CONF)) {
      List<float[]> queries = new ArrayList<>();
      queries.add(vectors.get(7).values());
      for (int i = 0; i < 20; i++) {
        queries.add(unit(r, 16));
      }
      for (float[] q : queries) {
        List<VectorSet.Vector> expected = new ArrayList<>(vectors);
        expected.sort(Comparator.comparingDouble((VectorSet.Vector v) -> -dot(q, v.values()))
            .thenComparing(VectorSet.Vector::id));
        List<HnswIndex.Neighbor> got = index.search(q, 5, vectors.size());
        assertEquals(expected.subList(0, 5).stream().map(VectorSet.Vector::id).toList(),
            got.stream().map(HnswIndex.Neighbor::id).toList());
        for (int i = 0; i < 5; i++) {
          assertEquals(dot(q, expected.get(i).values()), got.get(i).score(), 1e-5);
        }
      }
      assertEquals(List.of("a-copy", "v7", "z-copy"), index.search(vectors.get(7).values(), 3,
          50).stream().map(HnswIndex.Neighbor::id).toList());
    }
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  @Test
  void theManifestNamesWhatChanged(@TempDir Path dir) throws Exception {
    VectorSet.DataFile a = new VectorSet.DataFile("part-00000.parquet", 100, 5);
    VectorSet.DataFile b = new VectorSet.DataFile("part-00001.parquet", 200, 6);
    VectorSet.DataFile c = new VectorSet.DataFile("part-00002.parquet", 300, 7);
    HnswIndex.Manifest m = new HnswIndex.Manifest("m", "hash-1", 16, 3, List.of(a, b), 16, 100,
        "9.12.3", 1.5);
    assertEquals(m, HnswIndex.Manifest.fromJson("manifest.json", m.toJson()));
    assertEquals(List.of(), m.differences(set(dir, 3, a, b)));
    assertEquals(List.of("part-00001.parquet changed (200 bytes, modified 6 -> 201 bytes,"
            + " modified 6)", "part-00002.parquet added"),
        m.differences(set(dir, 3, a, new VectorSet.DataFile(b.name(), 201, 6), c)));
    assertEquals(List.of("part-00000.parquet removed"), m.differences(set(dir, 3, b)));

    IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
        () -> HnswIndex.open(set(dir, 3, a, b), CONF));
    assertEquals("index " + dir + " has no _hnsw index; build it with --build-index",
        none.getMessage());
  }
}
