package dev.weft.api.internal;

import dev.weft.api.Resource;
import dev.weft.api.ResourceKey;
import dev.weft.api.ResourceProblem;
import dev.weft.api.policy.DestinationPolicySpec;
import dev.weft.api.policy.Subset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rules across the resources of one set that need no registry: keys are distinct, a Service has at most one
 * DestinationPolicy, and subset names (which backendRefs name) are unique per namespace.
 */
public final class CrossChecks {

    /** A resource and where it came from: source and document (null and 0 when not from a file), and its path in the document. */
    public record Entry(Resource<?> resource, String source, int document, String path) {

        /** " (routes.yaml, document 2)", or "" when not from a file. */
        String where() {
            return source == null ? "" : " (" + source + (document > 0 ? ", document " + document : "") + ")";
        }

        ResourceProblem problem(String field, String message) {
            return new ResourceProblem(source, document, resource.key().toString(), Paths.field(path, field), message);
        }
    }

    private CrossChecks() {
    }

    public static List<ResourceProblem> check(List<Entry> entries) {
        List<ResourceProblem> problems = new ArrayList<>();
        Map<ResourceKey, Entry> byKey = new HashMap<>();
        Map<String, Entry> policyByService = new HashMap<>();
        Map<String, Entry> policyBySubset = new HashMap<>();
        for (Entry entry : entries) {
            Resource<?> resource = entry.resource();
            Entry first = byKey.putIfAbsent(resource.key(), entry);
            if (first != null) {
                problems.add(entry.problem("metadata.name", "duplicate resource: " + resource.key()
                        + " is also defined " + (first.source() == null ? "earlier in the set"
                        : "in " + first.source() + (first.document() > 0 ? " (document " + first.document() + ")" : ""))));
                continue;
            }
            if (!(resource.spec() instanceof DestinationPolicySpec policy)) {
                continue;
            }
            String namespace = resource.metadata().namespace();
            Entry other = policyByService.putIfAbsent(namespace + "/" + policy.targetRef().name(), entry);
            if (other != null) {
                problems.add(entry.problem("spec.targetRef.name", "Service " + namespace + "/"
                        + policy.targetRef().name() + " already has " + other.resource().key() + other.where()
                        + "; a Service has at most one DestinationPolicy"));
            }
            for (int i = 0; i < policy.subsets().size(); i++) {
                Subset subset = policy.subsets().get(i);
                Entry declaring = policyBySubset.putIfAbsent(namespace + "/" + subset.name(), entry);
                if (declaring != null && declaring != entry) {
                    problems.add(entry.problem("spec.subsets[" + i + "].name", "subset \"" + subset.name()
                            + "\" is already declared by " + declaring.resource().key() + declaring.where()
                            + "; backendRefs name subsets, so their names are unique per namespace"));
                }
            }
        }
        return problems;
    }
}
