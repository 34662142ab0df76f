package dev.weft.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.weft.api.internal.CrossChecks;
import dev.weft.api.internal.Paths;
import dev.weft.api.internal.Problems;
import dev.weft.api.internal.ResourceTrees;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads resources from YAML or JSON files, directories or text, all or nothing: either every document is valid and
 * a {@link ResourceSet} is returned, or one {@link ResourceException} lists every problem (file, document,
 * resource, field path) and nothing is returned.
 *
 * <p>A file holds any number of YAML documents separated by {@code ---} (empty ones are skipped), or JSON values;
 * a document may also be a {@code kind: List} of {@code items}. A directory contributes its {@code *.yaml},
 * {@code *.yml} and {@code *.json} files in name order, and those of its subdirectories only when the loader is
 * {@link #recursive(boolean) recursive}. Instances are immutable and thread-safe.
 */
public final class ResourceLoader {

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
    private static final List<String> EXTENSIONS = List.of(".yaml", ".yml", ".json");

    private final boolean recursive;

    /** A loader that reads only the files directly in a directory. */
    public ResourceLoader() {
        this(false);
    }

    private ResourceLoader(boolean recursive) {
        this.recursive = recursive;
    }

    /** A loader that does, or does not, descend into subdirectories. */
    public ResourceLoader recursive(boolean descend) {
        return new ResourceLoader(descend);
    }

    /** Loads a file or a directory. */
    public ResourceSet load(Path fileOrDirectory) throws ResourceException {
        return load(List.of(fileOrDirectory));
    }

    /** Loads several files or directories as one set, as {@code weft apply -f a -f b} does. */
    public ResourceSet load(List<Path> filesOrDirectories) throws ResourceException {
        Batch batch = new Batch();
        for (Path path : filesOrDirectories) {
            for (Path file : files(path, batch)) {
                String text;
                try {
                    text = Files.readString(file);
                } catch (CharacterCodingException e) {
                    batch.problem(file.toString(), 0, "is not UTF-8 text");
                    continue;
                } catch (IOException e) {
                    batch.problem(file.toString(), 0, "cannot be read: " + e);
                    continue;
                }
                batch.parse(text, file.toString());
            }
        }
        return batch.finish();
    }

    /** Loads resources from text; {@code sourceName} names it in messages, and JSON is expected when it ends in ".json". */
    public ResourceSet load(String text, String sourceName) throws ResourceException {
        Batch batch = new Batch();
        batch.parse(text, sourceName);
        return batch.finish();
    }

    private List<Path> files(Path path, Batch batch) {
        if (!Files.exists(path)) {
            batch.problem(path.toString(), 0, "does not exist");
            return List.of();
        }
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> entries = recursive ? Files.walk(path) : Files.list(path)) {
            return entries.filter(Files::isRegularFile).filter(ResourceLoader::hasResourceExtension).sorted().toList();
        } catch (IOException e) {
            batch.problem(path.toString(), 0, "cannot be listed: " + e);
            return List.of();
        }
    }

    private static boolean hasResourceExtension(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    /** The resources and problems of one load. */
    private static final class Batch {

        private final List<CrossChecks.Entry> entries = new ArrayList<>();
        private final List<ResourceProblem> problems = new ArrayList<>();

        void problem(String source, int document, String message) {
            problems.add(new ResourceProblem(source, document, null, "", message));
        }

        void parse(String text, String source) {
            boolean json = source.toLowerCase(Locale.ROOT).endsWith(".json");
            int document = 0;
            ObjectMapper mapper = json ? JSON : YAML;
            // a parser we create ourselves, so that a top-level list is one (invalid) document, not unwrapped
            try (JsonParser parser = mapper.createParser(text);
                 MappingIterator<JsonNode> documents = mapper.readerFor(JsonNode.class).readValues(parser)) {
                while (hasNext(documents, document + 1)) {
                    document++;
                    JsonNode node = next(documents, document);
                    if (node == null || node.isNull() || node.isMissingNode()) {
                        continue;
                    }
                    if (ResourceTrees.isList(node)) {
                        Problems listProblems = new Problems();
                        List<JsonNode> items = ResourceTrees.listItems(node, listProblems);
                        listProblems.list().forEach(p -> problems.add(
                                new ResourceProblem(source, 0, null, p.path(), p.message())));
                        for (int i = 0; i < items.size(); i++) {
                            add(items.get(i), source, document, Paths.index("items", i));
                        }
                    } else {
                        add(node, source, document, "");
                    }
                }
            } catch (ParseFailure failure) {
                problem(source, failure.document, failure.getMessage());
            } catch (IOException e) {
                problem(source, 0, "cannot be parsed: " + e.getMessage());
            }
        }

        private void add(JsonNode node, String source, int document, String path) {
            ResourceTrees.Read read = ResourceTrees.read(node, path);
            if (read.resource() != null) {
                entries.add(new CrossChecks.Entry(read.resource(), source, document, path));
            }
            read.problems().forEach(p -> problems.add(
                    new ResourceProblem(source, document, read.label(), p.path(), p.message())));
        }

        ResourceSet finish() throws ResourceException {
            problems.addAll(CrossChecks.check(entries));
            if (!problems.isEmpty()) {
                throw new ResourceException(problems);
            }
            return ResourceSet.checked(entries.stream().map(CrossChecks.Entry::resource).toList());
        }

        private static boolean hasNext(MappingIterator<JsonNode> documents, int document)
                throws ParseFailure {
            try {
                return documents.hasNextValue();
            } catch (IOException e) {
                throw new ParseFailure(document, e);
            }
        }

        private static JsonNode next(MappingIterator<JsonNode> documents, int document)
                throws ParseFailure {
            try {
                return documents.nextValue();
            } catch (IOException e) {
                throw new ParseFailure(document, e);
            }
        }
    }

    /** A syntax error, which ends the reading of its file. */
    private static final class ParseFailure extends Exception {

        final int document;

        ParseFailure(int document, IOException cause) {
            super(describe(cause), cause);
            this.document = document;
        }

        /** The parser's complaint on one line, without the quoted source snippets, and where it is. */
        private static String describe(IOException e) {
            if (!(e instanceof JsonProcessingException parse)) {
                return "cannot be parsed: " + e.getMessage();
            }
            String message = Arrays.stream(parse.getOriginalMessage().split("\n"))
                    .filter(line -> !line.isBlank() && !line.startsWith(" in ") && !line.startsWith("    "))
                    .map(String::strip)
                    .collect(Collectors.joining(": "));
            return parse.getLocation() == null ? "syntax error: " + message
                    : "syntax error at line " + parse.getLocation().getLineNr() + ", column "
                      + parse.getLocation().getColumnNr() + ": " + message;
        }
    }
}
