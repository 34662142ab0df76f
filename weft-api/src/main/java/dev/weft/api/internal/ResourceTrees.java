package dev.weft.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.api.Kind;
import dev.weft.api.ObjectMeta;
import dev.weft.api.Resource;
import dev.weft.api.Spec;
import dev.weft.api.policy.MeshConfigSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Converts between one resource document (a JSON tree) and a {@link Resource}: envelope, metadata and spec. */
public final class ResourceTrees {

    /** A document read: the resource when it had no problem, how to name it in messages, and its problems. */
    public record Read(Resource<?> resource, String label, List<Problems.Problem> problems) {
    }

    /** The envelope of a list of resources, as {@code kubectl get -o json} writes several. */
    public static final String LIST_KIND = "List";

    private ResourceTrees() {
    }

    /** Whether a document is a {@code kind: List} holding {@code items}. */
    public static boolean isList(JsonNode document) {
        return document.isObject() && LIST_KIND.equals(document.path("kind").asText(null))
                && document.path("apiVersion").asText("").equals("v1");
    }

    /** The items of a {@code kind: List} document, or the problems that prevent reading them. */
    public static List<JsonNode> listItems(JsonNode document, Problems problems) {
        FieldReader list = FieldReader.of(document, "", problems, "apiVersion", "kind", "items");
        JsonNode items = list.raw("items");
        if (items == null) {
            return List.of();
        }
        if (!items.isArray()) {
            list.error("items", "must be a list, got " + FieldReader.describe(items));
            return List.of();
        }
        List<JsonNode> result = new ArrayList<>();
        items.forEach(result::add);
        return result;
    }

    /** Reads one resource document found at {@code path} ("" for a whole document, "items[2]" inside a List). */
    public static Read read(JsonNode document, String path) {
        Problems problems = new Problems();
        if (!document.isObject()) {
            problems.add(path, "must be a resource (an object with apiVersion, kind, metadata and spec), got "
                    + FieldReader.describe(document));
            return new Read(null, null, problems.list());
        }
        FieldReader root = FieldReader.of(document, path, problems, "apiVersion", "kind", "metadata", "spec");
        String apiVersion = root.requiredString("apiVersion");
        String kindName = root.requiredString("kind");
        Kind kind = kindName == null ? null : Kind.fromKindName(kindName).orElse(null);
        if (kindName != null && kind == null) {
            Optional<Kind> sameLetters = Arrays.stream(Kind.values())
                    .filter(k -> k.kindName().equalsIgnoreCase(kindName)).findFirst();
            root.error("kind", "unknown kind \"" + kindName + "\""
                    + sameLetters.map(k -> "; did you mean " + k.kindName() + "?").orElse("")
                    + "; expected one of " + String.join(", ", Arrays.stream(Kind.values()).map(Kind::kindName).toList()));
        }
        if (kind != null && apiVersion != null && !apiVersion.equals(kind.apiVersion())) {
            root.error("apiVersion", "must be " + kind.apiVersion() + " for " + kind.kindName() + ", got \""
                    + apiVersion + "\"");
        }
        ObjectMeta metadata = metadata(root, kind);
        String label = kind == null ? null
                : metadata == null ? kind.kindName()
                : kind.kindName() + " " + (metadata.namespace().isEmpty() ? "" : metadata.namespace() + "/")
                  + metadata.name();
        Spec spec = null;
        if (kind != null) {
            if (root.missing("spec")) {
                root.error("spec", "is required");
            } else {
                spec = Codecs.of(kind).read(root.raw("spec"), root.path("spec"), problems);
            }
        }
        Resource<?> resource = problems.isEmpty() ? new Resource<>(metadata, spec) : null;
        return new Read(resource, label, problems.list());
    }

    /** The metadata, or null when its name cannot be read (a label for messages then lacks the name). */
    private static ObjectMeta metadata(FieldReader root, Kind kind) {
        FieldReader m = root.requiredObject("metadata",
                "name", "namespace", "labels", "annotations", "generation", "resourceVersion");
        if (m == null) {
            return null;
        }
        String name = GatewayCommon.objectName(m, "name");
        if (kind == Kind.MESH_CONFIG && name != null && !name.equals(MeshConfigSpec.NAME)) {
            m.error("name", "must be \"" + MeshConfigSpec.NAME + "\": MeshConfig is a singleton, got \"" + name + "\"");
        }
        String namespace = m.string("namespace");
        if (kind != null && !kind.namespaced() && namespace != null) {
            m.error("namespace", "must not be set: " + kind.kindName() + " is cluster-scoped");
        } else {
            GatewayCommon.check(m, "namespace", namespace, Formats::label);
        }
        namespace = kind != null && !kind.namespaced() ? "" : namespace == null ? ObjectMeta.DEFAULT_NAMESPACE
                : namespace;
        Map<String, String> labels = m.labels("labels");
        Map<String, String> annotations = m.stringMap("annotations");
        annotations.keySet().forEach(key -> {
            String problem = Formats.labelKey(key);
            if (problem != null) {
                m.problems().add(Paths.key(m.path("annotations"), key), problem);
            }
        });
        Long generation = m.longInteger("generation", 0, Long.MAX_VALUE);
        String resourceVersion = m.string("resourceVersion");
        if (name == null || Formats.objectName(name) != null) {
            return null;
        }
        return new ObjectMeta(name, namespace, labels, annotations, generation, resourceVersion);
    }

    /** The document for a resource: apiVersion, kind, metadata and spec, unset fields left out. */
    public static ObjectNode write(Resource<?> resource) {
        ObjectNode node = Json.object();
        node.put("apiVersion", resource.apiVersion());
        node.put("kind", resource.kind().kindName());
        ObjectMeta meta = resource.metadata();
        ObjectNode m = node.putObject("metadata");
        m.put("name", meta.name());
        if (!meta.namespace().isEmpty()) {
            m.put("namespace", meta.namespace());
        }
        Json.putMap(m, "labels", meta.labels());
        Json.putMap(m, "annotations", meta.annotations());
        Json.put(m, "generation", meta.generation());
        Json.put(m, "resourceVersion", meta.resourceVersion());
        node.set("spec", Codecs.of(resource.kind()).write(resource.spec()));
        return node;
    }
}
