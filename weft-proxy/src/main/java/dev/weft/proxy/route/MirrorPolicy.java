package dev.weft.proxy.route;

import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One compiled entry of RouteAction.request_mirror_policies: which cluster gets a copy of the
 * request, for what fraction of requests, and whether its Host gets the "-shadow" suffix.
 * Immutable.
 */
public final class MirrorPolicy {
    private final String cluster;
    /** The sampled fraction is numerator / denominator, numerator at most denominator. */
    private final long numerator;
    private final long denominator;
    private final boolean appendHostSuffix;

    private MirrorPolicy(String cluster, long numerator, long denominator, boolean appendHostSuffix) {
        this.cluster = cluster;
        this.numerator = numerator;
        this.denominator = denominator;
        this.appendHostSuffix = appendHostSuffix;
    }

    /** Compiles {@code p}; {@code path} names the policy, e.g. {@code ...route.request_mirror_policies[0]}. */
    static MirrorPolicy compile(RouteAction.RequestMirrorPolicy p, String path) throws ConfigException {
        if (p.getCluster().isEmpty()) {
            throw new ConfigException(path + ".cluster", "is required");
        }
        // As Envoy: without runtime_fraction every request is mirrored.
        long numerator = 1;
        long denominator = 1;
        if (p.hasRuntimeFraction()) {
            String fp = path + ".runtime_fraction.default_value";
            if (!p.getRuntimeFraction().hasDefaultValue()) {
                throw new ConfigException(fp, "is required");
            }
            FractionalPercent f = p.getRuntimeFraction().getDefaultValue();
            denominator = switch (f.getDenominator()) {
                case HUNDRED -> 100;
                case TEN_THOUSAND -> 10_000;
                case MILLION -> 1_000_000;
                default -> throw new ConfigException(fp + ".denominator", "value " + f.getDenominatorValue()
                        + " is not supported (expected: HUNDRED, TEN_THOUSAND or MILLION)");
            };
            // As Envoy: a numerator above the denominator means every request.
            numerator = Math.min(Integer.toUnsignedLong(f.getNumerator()), denominator);
        }
        return new MirrorPolicy(p.getCluster(), numerator, denominator, !p.getDisableShadowHostSuffixAppend());
    }

    /** The cluster copies go to. */
    public String cluster() {
        return cluster;
    }

    /** Whether the copy's Host gets "-shadow" appended (disable_shadow_host_suffix_append unset). */
    public boolean appendHostSuffix() {
        return appendHostSuffix;
    }

    /** Draws whether this request is mirrored, with the policy's probability. */
    public boolean sample() {
        if (numerator >= denominator) {
            return true;
        }
        return numerator > 0 && ThreadLocalRandom.current().nextLong(denominator) < numerator;
    }
}
