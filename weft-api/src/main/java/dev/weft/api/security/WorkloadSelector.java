package dev.weft.api.security;

import java.util.Map;

/**
 * The workloads of the policy's namespace an {@code AuthorizationPolicy} applies to: the sidecars of {@code service}
 * (when set) whose labels include every entry of {@code matchLabels}. {@link #ALL}, both unset, selects every
 * workload of the namespace.
 *
 * @param service the Service whose workloads are selected, or null for any service
 * @param matchLabels labels a workload must carry, all of them (a sidecar's {@code --label}s)
 */
public record WorkloadSelector(String service, Map<String, String> matchLabels) {

    /** Every workload of the namespace. */
    public static final WorkloadSelector ALL = new WorkloadSelector(null, Map.of());

    public WorkloadSelector {
        matchLabels = matchLabels == null ? Map.of() : Map.copyOf(matchLabels);
    }

    /** Whether a workload of {@code workloadService} (in the policy's namespace) with {@code labels} is selected. */
    public boolean selects(String workloadService, Map<String, String> labels) {
        if (service != null && !service.equals(workloadService)) {
            return false;
        }
        return matchLabels.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
