package dev.weft.api;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A resource's {@code metadata}. {@code namespace} is "default" when a namespaced resource leaves it out and "" for a
 * cluster-scoped kind. {@code generation} and {@code resourceVersion} are set by the control plane's store (null
 * until stored); labels and annotations are kept sorted by key.
 */
public record ObjectMeta(String name, String namespace, Map<String, String> labels, Map<String, String> annotations,
                         Long generation, String resourceVersion) {

    /** The namespace of a namespaced resource that names none. */
    public static final String DEFAULT_NAMESPACE = "default";

    public ObjectMeta {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(namespace, "namespace");
        labels = sorted(labels);
        annotations = sorted(annotations);
    }

    /** Metadata with only a namespace and a name. */
    public static ObjectMeta of(String namespace, String name) {
        return new ObjectMeta(name, namespace, Map.of(), Map.of(), null, null);
    }

    public ObjectMeta withLabels(Map<String, String> newLabels) {
        return new ObjectMeta(name, namespace, newLabels, annotations, generation, resourceVersion);
    }

    public ObjectMeta withGeneration(long newGeneration) {
        return new ObjectMeta(name, namespace, labels, annotations, newGeneration, resourceVersion);
    }

    public ObjectMeta withResourceVersion(String newResourceVersion) {
        return new ObjectMeta(name, namespace, labels, annotations, generation, newResourceVersion);
    }

    private static Map<String, String> sorted(Map<String, String> map) {
        return map == null || map.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(map));
    }
}
