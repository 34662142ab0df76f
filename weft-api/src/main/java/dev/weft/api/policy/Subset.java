package dev.weft.api.policy;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A named part of a Service's instances: those whose labels include all of {@code labels} (e.g. {@code version: v2}).
 *
 * <p>A route sends traffic to a subset with a backendRef {@code {group: weft.dev, kind: Subset, name: <subset name>,
 * port: <Service port>}}. The backendRef's namespace (default: the route's) is searched for the DestinationPolicy
 * declaring a subset of that name; subset names are therefore unique per namespace, e.g. {@code reviews-v2}.
 */
public record Subset(String name, Map<String, String> labels) {

    public Subset {
        labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
    }
}
