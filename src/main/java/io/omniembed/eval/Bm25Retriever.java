package io.omniembed.eval;

import io.omniembed.data.Item;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * The lexical baseline: Lucene BM25 (k1 = 1.2, b = 0.75) over the corpus text with Lucene's
 * English analyzer (standard tokenisation, lower-casing, stop words, Porter stemming), queried as
 * a disjunction of the query's analysed terms. The index lives in memory: eval builds one on the
 * driver for a benchmark's corpus; prepare builds one per corpus shard in its Spark tasks.
 */
public final class Bm25Retriever implements AutoCloseable {

  private static final String ID = "id";
  private static final String TEXT = "text";

  private final Analyzer analyzer = new EnglishAnalyzer();
  private final ByteBuffersDirectory directory = new ByteBuffersDirectory();
  private final DirectoryReader reader;
  private final IndexSearcher searcher;

  public Bm25Retriever(Iterator<Item> corpus) {
    try {
      IndexWriterConfig config = new IndexWriterConfig(analyzer)
          .setSimilarity(new BM25Similarity());
      try (IndexWriter writer = new IndexWriter(directory, config)) {
        while (corpus.hasNext()) {
          Item item = corpus.next();
          Document doc = new Document();
          doc.add(new StringField(ID, item.id(), Field.Store.YES));
          doc.add(new TextField(TEXT, item.joinedText(), Field.Store.NO));
          writer.addDocument(doc);
        }
      }
      this.reader = DirectoryReader.open(directory);
      this.searcher = new IndexSearcher(reader);
      searcher.setSimilarity(new BM25Similarity());
    } catch (IOException e) {
      throw new UncheckedIOException("building the BM25 index failed", e);
    }
  }

  /** Query id → best k document ids. */
  public Map<String, List<TopK.Hit>> search(Map<String, Item> queries, int k) {
    Map<String, List<TopK.Hit>> out = new LinkedHashMap<>();
    for (Map.Entry<String, Item> q : queries.entrySet()) {
      out.put(q.getKey(), search(q.getValue().joinedText(), k));
    }
    return out;
  }

  /** The best k documents for a query text. */
  public List<TopK.Hit> search(String queryText, int k) {
    try {
      List<TopK.Hit> hits = new ArrayList<>();
      for (ScoreDoc sd : searcher.search(query(queryText), k).scoreDocs) {
        hits.add(new TopK.Hit(searcher.storedFields().document(sd.doc).get(ID), sd.score));
      }
      return hits;
    } catch (IOException e) {
      throw new UncheckedIOException("BM25 search failed", e);
    }
  }

  /** The score of document {@code id} for a query text: 0 if it matches no term, NaN if absent. */
  public double score(String queryText, String id) {
    try {
      Query restricted = new BooleanQuery.Builder()
          .add(query(queryText), BooleanClause.Occur.MUST)
          .add(new TermQuery(new Term(ID, id)), BooleanClause.Occur.FILTER).build();
      ScoreDoc[] hit = searcher.search(restricted, 1).scoreDocs;
      if (hit.length > 0) {
        return hit[0].score;
      }
      return searcher.count(new TermQuery(new Term(ID, id))) > 0 ? 0 : Double.NaN;
    } catch (IOException e) {
      throw new UncheckedIOException("BM25 search failed", e);
    }
  }

  private Query query(String text) throws IOException {
    BooleanQuery.Builder query = new BooleanQuery.Builder();
    int clauses = 0;
    for (String term : analyze(text)) {
      if (clauses++ >= IndexSearcher.getMaxClauseCount()) {
        break;
      }
      query.add(new TermQuery(new Term(TEXT, term)), BooleanClause.Occur.SHOULD);
    }
    return query.build();
  }

  private List<String> analyze(String text) throws IOException {
    List<String> terms = new ArrayList<>();
    try (TokenStream ts = analyzer.tokenStream(TEXT, text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        terms.add(term.toString());
      }
      ts.end();
    }
    return terms;
  }

  @Override
  public void close() throws IOException {
    reader.close();
    directory.close();
    analyzer.close();
  }
}
