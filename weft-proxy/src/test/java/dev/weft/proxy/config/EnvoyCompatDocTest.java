package dev.weft.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/envoy-compat.md lists exactly the registered {@link SupportedFields}, so the table cannot
 * drift from the code. Run with {@code -Dweft.regenerateDocs=true} to rewrite the table from the
 * registry: rows keep their notes, new rows get an empty note to fill in by hand.
 */
class EnvoyCompatDocTest {
    static final Path DOC = Path.of("..", "docs", "envoy-compat.md");
    static final String BEGIN = "<!-- supported-fields:begin (generated: mvn test -Dtest=EnvoyCompatDocTest -Dweft.regenerateDocs=true) -->";
    static final String END = "<!-- supported-fields:end -->";
    private static final String HEADER = "| Message | Field | Default and notes |\n|---|---|---|\n";

    @Test
    void docListsEveryFieldOfTheConfigPackage() throws IOException {
        SupportedFields fields = new SupportedFields();
        BootstrapFields.registerFields(fields);

        assertThat(rows(Files.readString(DOC)).keySet()).containsAll(fields.list());
    }

    /**
     * Against the full registry, which includes the route and lb packages' fields: this fails
     * until their registerFields are implemented (merged), then pins the whole table.
     */
    @Test
    void docListsExactlyTheFullRegistry() throws IOException {
        SupportedFields all = BootstrapLoader.Wiring.standard().fields();
        if (Boolean.getBoolean("weft.regenerateDocs")) {
            regenerate(all);
        }

        assertThat(rows(Files.readString(DOC)).keySet()).containsExactlyInAnyOrderElementsOf(all.list());
    }

    /** Rewrites the generated table of the doc from {@code fields}, keeping existing notes. */
    static void regenerate(SupportedFields fields) throws IOException {
        String doc = Files.readString(DOC);
        Map<String, String> notes = rows(doc);
        StringBuilder table = new StringBuilder(HEADER);
        for (String qualified : fields.list()) {
            int dot = qualified.lastIndexOf('.');
            table.append("| ").append(qualified, 0, dot).append(" | `").append(qualified.substring(dot + 1)).append("` | ")
                    .append(notes.getOrDefault(qualified, "")).append(" |\n");
        }
        int begin = doc.indexOf(BEGIN) + BEGIN.length();
        int end = doc.indexOf(END);
        Files.writeString(DOC, doc.substring(0, begin) + "\n" + table + doc.substring(end), StandardCharsets.UTF_8);
    }

    /** The generated table's rows: "type.field" to its note, in document order. */
    static Map<String, String> rows(String doc) {
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertThat(begin).as("generated-table markers in " + DOC).isNotNegative().isLessThan(end);
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : doc.substring(begin + BEGIN.length(), end).split("\n")) {
            String[] cells = line.split("\\|", -1);
            if (cells.length != 5 || cells[1].isBlank() || cells[1].trim().equals("Message") || cells[1].trim().startsWith("---")) {
                continue;
            }
            String field = cells[2].trim().replace("`", "");
            rows.put(cells[1].trim() + "." + field, cells[3].trim());
        }
        return rows;
    }
}
