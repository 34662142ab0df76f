package dev.weft.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.weft.api.internal.Json;
import dev.weft.api.internal.ResourceTrees;
import java.io.UncheckedIOException;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/**
 * Writes resources as YAML or JSON that {@link ResourceLoader} reads back to equal records: several resources as
 * YAML documents separated by {@code ---}, or as a JSON {@code kind: List}. Defaults appear written out.
 */
public final class ResourceWriter {

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ResourceWriter() {
    }

    /** The resource as a JSON tree. */
    public static ObjectNode toTree(Resource<?> resource) {
        return ResourceTrees.write(resource);
    }

    public static String toYaml(Resource<?> resource) {
        try {
            return YAML.writeValueAsString(toTree(resource));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The resources as YAML documents, separated by {@code ---}. */
    public static String toYaml(Iterable<? extends Resource<?>> resources) {
        return StreamSupport.stream(resources.spliterator(), false).map(ResourceWriter::toYaml)
                .collect(Collectors.joining("---\n"));
    }

    /** The resource as pretty-printed JSON. */
    public static String toJson(Resource<?> resource) {
        return json(toTree(resource));
    }

    /** The resources as one pretty-printed JSON {@code {"apiVersion": "v1", "kind": "List", "items": [...]}}. */
    public static String toJson(Iterable<? extends Resource<?>> resources) {
        ObjectNode list = Json.object();
        list.put("apiVersion", "v1");
        list.put("kind", ResourceTrees.LIST_KIND);
        ArrayNode items = list.putArray("items");
        resources.forEach(resource -> items.add(toTree(resource)));
        return json(list);
    }

    private static String json(ObjectNode tree) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
