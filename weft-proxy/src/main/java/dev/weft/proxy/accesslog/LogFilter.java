package dev.weft.proxy.accesslog;

import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.observe.RequestInfo;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ComparisonFilter;
import io.envoyproxy.envoy.config.accesslog.v3.GrpcStatusFilter;

/**
 * An access log's {@code filter}, compiled: which finished exchanges get a line. Envoy's status code, duration,
 * gRPC status, not-health-check, and and or filters; {@code not_health_check_filter} matches everything, since
 * Weft has no health check filter that would mark a request as one. A comparison's {@code runtime_key} may be
 * given, but Weft has no runtime: its {@code default_value} applies.
 */
@FunctionalInterface
public interface LogFilter {
    /** Every exchange. */
    LogFilter ALL = info -> true;

    boolean matches(RequestInfo info);

    /** Compiles {@code f}, whose field path is {@code path}. */
    static LogFilter compile(AccessLogFilter f, String path) throws ConfigException {
        return switch (f.getFilterSpecifierCase()) {
            case STATUS_CODE_FILTER -> {
                Comparison c = comparison(f.getStatusCodeFilter().getComparison(),
                        f.getStatusCodeFilter().hasComparison(), path + ".status_code_filter.comparison");
                yield info -> c.test(info.status());
            }
            case DURATION_FILTER -> {
                Comparison c = comparison(f.getDurationFilter().getComparison(), f.getDurationFilter().hasComparison(),
                        path + ".duration_filter.comparison");
                yield info -> {
                    long end = info.endNanos();
                    return end != 0 && c.test((end - info.startNanos()) / 1_000_000);
                };
            }
            case NOT_HEALTH_CHECK_FILTER -> ALL;
            case AND_FILTER -> {
                LogFilter[] all = compileAll(f.getAndFilter().getFiltersList(), path + ".and_filter.filters");
                yield info -> {
                    for (LogFilter x : all) {
                        if (!x.matches(info)) {
                            return false;
                        }
                    }
                    return true;
                };
            }
            case OR_FILTER -> {
                LogFilter[] any = compileAll(f.getOrFilter().getFiltersList(), path + ".or_filter.filters");
                yield info -> {
                    for (LogFilter x : any) {
                        if (x.matches(info)) {
                            return true;
                        }
                    }
                    return false;
                };
            }
            case GRPC_STATUS_FILTER -> grpcStatus(f.getGrpcStatusFilter());
            case FILTERSPECIFIER_NOT_SET -> throw new ConfigException(path, "a filter is required (status_code_filter, "
                    + "duration_filter, grpc_status_filter, not_health_check_filter, and_filter, or_filter)");
            // the subset check refuses the others before this point; kept for a filter it would let through
            default -> throw new ConfigException(path, f.getFilterSpecifierCase().name().toLowerCase(java.util.Locale.ROOT)
                    + " is not supported by Weft");
        };
    }

    private static LogFilter[] compileAll(java.util.List<AccessLogFilter> filters, String path) throws ConfigException {
        if (filters.size() < 2) {
            throw new ConfigException(path, "needs at least 2 filters, got " + filters.size());
        }
        LogFilter[] out = new LogFilter[filters.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = compile(filters.get(i), path + "[" + i + "]");
        }
        return out;
    }

    /** {@code statuses} (gRPC codes) matched, or with {@code exclude} not matched; no gRPC status never matches. */
    private static LogFilter grpcStatus(GrpcStatusFilter g) {
        boolean[] wanted = new boolean[17];
        for (GrpcStatusFilter.Status s : g.getStatusesList()) {
            wanted[s.getNumber()] = true;
        }
        boolean exclude = g.getExclude();
        return info -> {
            String raw = info.grpcStatus();
            int code = -1;
            if (raw != null && !raw.isEmpty() && raw.length() < 3) {
                try {
                    code = Integer.parseInt(raw);
                } catch (NumberFormatException e) {
                    code = -1;
                }
            }
            if (code < 0 || code >= wanted.length) {
                return false;
            }
            return wanted[code] != exclude;
        };
    }

    /** A compiled {@code ComparisonFilter}. */
    @FunctionalInterface
    interface Comparison {
        boolean test(long value);
    }

    private static Comparison comparison(ComparisonFilter c, boolean present, String path) throws ConfigException {
        if (!present || !c.hasValue()) {
            throw new ConfigException(path + ".value", "is required");
        }
        long v = Integer.toUnsignedLong(c.getValue().getDefaultValue());
        return switch (c.getOp()) {
            case EQ -> x -> x == v;
            case GE -> x -> x >= v;
            case LE -> x -> x <= v;
            default -> throw new ConfigException(path + ".op", c.getOp() + " is not one of EQ, GE, LE");
        };
    }
}
