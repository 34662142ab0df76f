package dev.weft.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.weft.api.Resource;
import dev.weft.api.gateway.BackendObjectRef;
import dev.weft.api.gateway.Fraction;
import dev.weft.api.gateway.GrpcBackendRef;
import dev.weft.api.gateway.GrpcMethodMatch;
import dev.weft.api.gateway.GrpcRouteMatch;
import dev.weft.api.gateway.GrpcRouteRule;
import dev.weft.api.gateway.GrpcRouteSpec;
import dev.weft.api.gateway.HeaderMatch;
import dev.weft.api.gateway.HeaderModifier;
import dev.weft.api.gateway.HttpBackendRef;
import dev.weft.api.gateway.HttpHeader;
import dev.weft.api.gateway.HttpRouteMatch;
import dev.weft.api.gateway.HttpRouteRetry;
import dev.weft.api.gateway.HttpRouteRule;
import dev.weft.api.gateway.HttpRouteSpec;
import dev.weft.api.gateway.HttpRouteTimeouts;
import dev.weft.api.gateway.MatchType;
import dev.weft.api.gateway.PathMatch;
import dev.weft.api.gateway.PathMatchType;
import dev.weft.api.gateway.PathModifier;
import dev.weft.api.gateway.PathModifierType;
import dev.weft.api.gateway.QueryParamMatch;
import dev.weft.api.gateway.RequestHeaderModifier;
import dev.weft.api.gateway.RequestMirror;
import dev.weft.api.gateway.RequestRedirect;
import dev.weft.api.gateway.ResponseHeaderModifier;
import dev.weft.api.gateway.UrlRewrite;
import dev.weft.api.policy.DestinationPolicySpec;
import dev.weft.api.policy.HashPolicy;
import dev.weft.api.policy.LoadBalancerAlgorithm;
import dev.weft.controlplane.registry.ServiceView;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Translates the HTTPRoutes and GRPCRoutes attached to a Service into the Envoy routes of its virtual host, in
 * Gateway API precedence, and collects the clusters they use. Each match of a rule becomes one route; GRPCRoute
 * rules come first (they match only gRPC requests), then HTTPRoute rules ordered Exact path, then regular
 * expression, then PathPrefix by length, then by method match, number of header matches and of query parameter
 * matches, and finally by route namespace/name and rule order. A Service without routes gets one route {@code /}
 * to its first port's cluster.
 *
 * <p>Proxyless gRPC clients get the same routes with their differences: PathPrefix as a regular expression
 * (grpc-java has no {@code path_separated_prefix}), no {@code grpc} match option, and no retry policy (grpc-java
 * retries on gRPC status codes from its service config, not on the HTTP codes of an HTTPRoute).
 */
final class RouteTranslator {

    /** The routes of one Service's virtual host and the clusters they send to (backends and mirrors). */
    record ServiceRoutes(List<Route> routes, SortedSet<ClusterRef> clusters) {
    }

    private static final String RETRY_ON = "connect-failure,refused-stream,reset";
    private static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";
    /** Picks a retry may make to find an instance not tried yet. */
    private static final int HOST_RESELECTIONS = 5;

    private final MeshModel model;
    private final NodeInfo.Role flavor;

    RouteTranslator(MeshModel model, NodeInfo.Role flavor) {
        this.model = model;
        this.flavor = flavor;
    }

    ServiceRoutes routes(ServiceView service) {
        List<Candidate> candidates = new ArrayList<>();
        for (Resource<GrpcRouteSpec> route : model.grpcRoutes(service)) {
            List<GrpcRouteRule> rules = route.spec().rules();
            for (int r = 0; r < rules.size(); r++) {
                GrpcRouteRule rule = rules.get(r);
                List<GrpcRouteMatch> matches = rule.matches().isEmpty()
                        ? List.of(new GrpcRouteMatch(null, List.of())) : rule.matches();
                for (int m = 0; m < matches.size(); m++) {
                    candidates.add(grpcCandidate(route, r, m, rule, matches.get(m)));
                }
            }
        }
        for (Resource<HttpRouteSpec> route : model.httpRoutes(service)) {
            List<HttpRouteRule> rules = route.spec().rules();
            for (int r = 0; r < rules.size(); r++) {
                HttpRouteRule rule = rules.get(r);
                List<HttpRouteMatch> matches = rule.matches().isEmpty()
                        ? List.of(new HttpRouteMatch(PathMatch.DEFAULT, List.of(), List.of(), null)) : rule.matches();
                for (int m = 0; m < matches.size(); m++) {
                    candidates.add(httpCandidate(route, r, m, rule, matches.get(m)));
                }
            }
        }
        candidates.sort(Candidate.ORDER);
        SortedSet<ClusterRef> clusters = new TreeSet<>();
        List<Route> routes = new ArrayList<>();
        for (Candidate candidate : candidates) {
            routes.add(candidate.build(this, clusters));
        }
        if (routes.isEmpty()) {
            RuleAction action = new RuleAction(service.namespace(), List.of(),
                    List.of(new Backend(new BackendObjectRef(BackendObjectRef.CORE_GROUP,
                            BackendObjectRef.SERVICE_KIND, service.name(), service.namespace(),
                            service.ports().get(0).port()), 1, List.of())), null, null, null);
            routes.add(action.toRoute(this, service.qualifiedName() + "/default",
                    RouteMatch.newBuilder().setPrefix("/").build(), clusters));
        }
        return new ServiceRoutes(List.copyOf(routes), clusters);
    }

    private Candidate httpCandidate(Resource<HttpRouteSpec> route, int ruleIndex, int matchIndex,
                                    HttpRouteRule rule, HttpRouteMatch match) {
        PathMatch path = match.path() == null ? PathMatch.DEFAULT : match.path();
        RouteMatch.Builder envoy = RouteMatch.newBuilder();
        switch (path.type()) {
            case EXACT -> envoy.setPath(path.value());
            case REGULAR_EXPRESSION -> envoy.setSafeRegex(regex(path.value()));
            case PATH_PREFIX -> prefix(envoy, path.value());
        }
        match.headers().forEach(h -> envoy.addHeaders(header(h)));
        match.queryParams().forEach(q -> envoy.addQueryParameters(query(q)));
        if (match.method() != null) {
            envoy.addHeaders(HeaderMatcher.newBuilder().setName(":method")
                    .setStringMatch(StringMatcher.newBuilder().setExact(match.method().name())));
        }
        int pathRank = switch (path.type()) {
            case EXACT -> 0;
            case REGULAR_EXPRESSION -> 1;
            case PATH_PREFIX -> 2;
        };
        String prefix = path.type() == PathMatchType.PATH_PREFIX ? path.value() : "/";
        RuleAction action = new RuleAction(route.metadata().namespace(), rule.filters(),
                rule.backendRefs().stream().map(RouteTranslator::backend).toList(), rule.timeouts(), rule.retry(),
                prefix);
        return new Candidate(1, pathRank, path.value().length(), match.method() == null ? 1 : 0,
                match.headers().size(), match.queryParams().size(), route.metadata().namespace(),
                route.metadata().name(), ruleIndex, matchIndex, envoy.build(), action);
    }

    private Candidate grpcCandidate(Resource<GrpcRouteSpec> route, int ruleIndex, int matchIndex,
                                    GrpcRouteRule rule, GrpcRouteMatch match) {
        RouteMatch.Builder envoy = RouteMatch.newBuilder();
        GrpcMethodMatch method = match.method();
        int rank;
        int length = 0;
        if (method == null || (method.service() == null && method.method() == null)) {
            envoy.setPrefix("/");
            rank = 4;
        } else if (method.type() == MatchType.REGULAR_EXPRESSION) {
            envoy.setSafeRegex(regex("/" + (method.service() == null ? "[^/]+" : method.service()) + "/"
                    + (method.method() == null ? "[^/]+" : method.method())));
            rank = 3;
        } else if (method.service() != null && method.method() != null) {
            envoy.setPath("/" + method.service() + "/" + method.method());
            rank = 0;
        } else if (method.service() != null) {
            envoy.setPrefix("/" + method.service() + "/");
            rank = 1;
        } else {
            envoy.setSafeRegex(regex("/[^/]+/" + quote(method.method())));
            rank = 2;
        }
        if (method != null) {
            length = (method.service() == null ? 0 : method.service().length())
                    + (method.method() == null ? 0 : method.method().length());
        }
        if (flavor == NodeInfo.Role.SIDECAR) {
            envoy.setGrpc(RouteMatch.GrpcRouteMatchOptions.getDefaultInstance());
        }
        match.headers().forEach(h -> envoy.addHeaders(header(h)));
        RuleAction action = new RuleAction(route.metadata().namespace(), rule.filters(),
                rule.backendRefs().stream().map(RouteTranslator::backend).toList(), null, null, "/");
        return new Candidate(0, rank, length, 0, match.headers().size(), 0, route.metadata().namespace(),
                route.metadata().name(), ruleIndex, matchIndex, envoy.build(), action);
    }

    /** PathPrefix matches whole path segments: "/abc" matches "/abc" and "/abc/d", not "/abcd". */
    private void prefix(RouteMatch.Builder envoy, String value) {
        String trimmed = value.length() > 1 && value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        if (trimmed.equals("/")) {
            envoy.setPrefix("/");
        } else if (flavor == NodeInfo.Role.SIDECAR) {
            envoy.setPathSeparatedPrefix(trimmed);
        } else {
            envoy.setSafeRegex(regex(quote(trimmed) + "(/.*)?"));
        }
    }

    private static Backend backend(HttpBackendRef ref) {
        return new Backend(ref.objectRef(), ref.weight(), ref.filters());
    }

    private static Backend backend(GrpcBackendRef ref) {
        return new Backend(ref.objectRef(), ref.weight(), ref.filters());
    }

    /** The cluster a backendRef resolves to, given the route's namespace. */
    private ClusterRef cluster(BackendObjectRef ref, String routeNamespace) {
        String namespace = ref.namespaceOr(routeNamespace);
        if (!ref.isSubset()) {
            return new ClusterRef(namespace, ref.name(), ref.port(), null);
        }
        MeshModel.SubsetTarget target = model.subset(namespace, ref.name());
        // a subset whose policy was deleted after the route was applied: a cluster without endpoints (503)
        return new ClusterRef(namespace, target == null ? ref.name() : target.service(), ref.port(), ref.name());
    }

    /** One rule's action, shared by its matches. */
    private record RuleAction(String namespace, List<?> filters, List<Backend> backends, HttpRouteTimeouts timeouts,
                              HttpRouteRetry retry, String matchedPrefix) {

        Route toRoute(RouteTranslator t, String name, RouteMatch match, Set<ClusterRef> clusters) {
            Route.Builder route = Route.newBuilder().setName(name).setMatch(match);
            headerModifiers(filters, route);
            RequestRedirect redirect = filters.stream().filter(RequestRedirect.class::isInstance)
                    .map(RequestRedirect.class::cast).findFirst().orElse(null);
            if (redirect != null) {
                return route.setRedirect(redirect(redirect)).build();
            }
            long totalWeight = backends.stream().mapToLong(Backend::weight).sum();
            if (backends.isEmpty() || totalWeight == 0) {
                // Gateway API: a rule with no usable backend answers 500
                return route.setDirectResponse(DirectResponseAction.newBuilder().setStatus(500)
                        .setBody(DataSource.newBuilder().setInlineString(backends.isEmpty()
                                ? "route rule has no backendRefs" : "every backendRef of the route rule has weight 0")))
                        .build();
            }
            RouteAction.Builder action = RouteAction.newBuilder();
            if (backends.size() == 1) {
                ClusterRef cluster = t.cluster(backends.get(0).ref(), namespace);
                clusters.add(cluster);
                action.setCluster(cluster.name());
                // a lone backend's filters are the route's
                headerModifiers(backends.get(0).filters(), route);
                mirrors(t, backends.get(0).filters(), action, clusters);
            } else {
                WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
                for (Backend backend : backends) {
                    ClusterRef cluster = t.cluster(backend.ref(), namespace);
                    clusters.add(cluster);
                    WeightedCluster.ClusterWeight.Builder weight = WeightedCluster.ClusterWeight.newBuilder()
                            .setName(cluster.name()).setWeight(UInt32Value.of(backend.weight()));
                    for (Object filter : backend.filters()) {
                        if (filter instanceof RequestHeaderModifier m) {
                            weight.addAllRequestHeadersToAdd(headerOptions(m))
                                    .addAllRequestHeadersToRemove(m.remove());
                        } else if (filter instanceof ResponseHeaderModifier m) {
                            weight.addAllResponseHeadersToAdd(headerOptions(m))
                                    .addAllResponseHeadersToRemove(m.remove());
                        }
                    }
                    weighted.addClusters(weight);
                }
                action.setWeightedClusters(weighted);
            }
            mirrors(t, filters, action, clusters);
            for (Object filter : filters) {
                if (filter instanceof UrlRewrite rewrite) {
                    rewrite(rewrite, action);
                }
            }
            Duration timeout = timeouts != null && timeouts.request() != null ? timeouts.request()
                    : t.model.defaults().timeout();
            if (timeout != null) {
                action.setTimeout(duration(timeout));
            }
            RetryPolicy retryPolicy = t.retryPolicy(retry, timeouts);
            if (retryPolicy != null) {
                action.setRetryPolicy(retryPolicy);
            }
            t.hashPolicies(backends, namespace).forEach(action::addHashPolicy);
            return route.setRoute(action).build();
        }

        private void rewrite(UrlRewrite rewrite, RouteAction.Builder action) {
            if (rewrite.hostname() != null) {
                action.setHostRewriteLiteral(rewrite.hostname());
            }
            PathModifier path = rewrite.path();
            if (path == null) {
                return;
            }
            if (path.type() == PathModifierType.REPLACE_FULL_PATH) {
                action.setRegexRewrite(RegexMatchAndSubstitute.newBuilder().setPattern(regex("^/.*$"))
                        .setSubstitution(path.value()));
            } else if (path.value().equals("/") && !matchedPrefix.equals("/")) {
                // "/" replacing "/api" must turn "/api/x" into "/x", not "//x" as prefix_rewrite would
                String prefix = matchedPrefix.endsWith("/") ? matchedPrefix.substring(0, matchedPrefix.length() - 1)
                        : matchedPrefix;
                action.setRegexRewrite(RegexMatchAndSubstitute.newBuilder().setPattern(regex("^" + quote(prefix)
                        + "/*")).setSubstitution("/"));
            } else {
                action.setPrefixRewrite(path.value());
            }
        }

        private void mirrors(RouteTranslator t, List<?> from, RouteAction.Builder action, Set<ClusterRef> clusters) {
            for (Object filter : from) {
                if (filter instanceof RequestMirror mirror) {
                    ClusterRef cluster = t.cluster(mirror.backendRef(), namespace);
                    clusters.add(cluster);
                    action.addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder()
                            .setCluster(cluster.name())
                            .setRuntimeFraction(RuntimeFractionalPercent.newBuilder()
                                    .setDefaultValue(fraction(mirror.fraction()))));
                }
            }
        }
    }

    /** A backendRef with what the route needs of it. */
    private record Backend(BackendObjectRef ref, int weight, List<?> filters) {
    }

    private RetryPolicy retryPolicy(HttpRouteRetry ruleRetry, HttpRouteTimeouts timeouts) {
        if (flavor == NodeInfo.Role.PROXYLESS) {
            return null;
        }
        HttpRouteRetry retry = ruleRetry != null ? ruleRetry : model.defaults().retries();
        Duration perTry = timeouts == null ? null : timeouts.backendRequest();
        if (retry == null && perTry == null) {
            return null;
        }
        RetryPolicy.Builder policy = RetryPolicy.newBuilder();
        if (perTry != null) {
            policy.setPerTryTimeout(duration(perTry));
        }
        if (retry == null) {
            return policy.setNumRetries(UInt32Value.of(0)).build();
        }
        HttpRouteRetry fallback = model.defaults().retries();
        List<Integer> codes = !retry.codes().isEmpty() || fallback == null ? retry.codes() : fallback.codes();
        Integer attempts = retry.attempts() != null ? retry.attempts() : fallback == null ? null : fallback.attempts();
        Duration backoff = retry.backoff() != null ? retry.backoff() : fallback == null ? null : fallback.backoff();
        policy.setRetryOn(codes.isEmpty() ? RETRY_ON : RETRY_ON + ",retriable-status-codes");
        codes.forEach(policy::addRetriableStatusCodes);
        if (attempts != null) {
            policy.setNumRetries(UInt32Value.of(attempts));
        }
        // a retry goes to another instance when there is one: the instance that failed is likely to fail again
        policy.addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
                        .setName(PREVIOUS_HOSTS)
                        .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())))
                .setHostSelectionRetryMaxAttempts(HOST_RESELECTIONS);
        if (backoff != null && !backoff.isZero()) {
            policy.setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(duration(backoff)));
        }
        return policy.build();
    }

    /** The hash keys of the backends' RING_HASH policies, so that a request keeps its instance across weights. */
    private List<RouteAction.HashPolicy> hashPolicies(List<Backend> backends, String routeNamespace) {
        Set<RouteAction.HashPolicy> result = new LinkedHashSet<>();
        for (Backend backend : backends) {
            ClusterRef cluster = cluster(backend.ref(), routeNamespace);
            DestinationPolicySpec policy = model.policy(cluster.namespace(), cluster.service());
            if (policy == null || policy.loadBalancer() == null || policy.loadBalancer().hash() == null
                    || policy.loadBalancer().algorithm() != LoadBalancerAlgorithm.RING_HASH) {
                continue;
            }
            HashPolicy hash = policy.loadBalancer().hash();
            RouteAction.HashPolicy.Builder envoy = RouteAction.HashPolicy.newBuilder();
            switch (hash.source()) {
                case HEADER -> envoy.setHeader(RouteAction.HashPolicy.Header.newBuilder()
                        .setHeaderName(hash.name().toLowerCase(Locale.ROOT)));
                case COOKIE -> envoy.setCookie(RouteAction.HashPolicy.Cookie.newBuilder().setName(hash.name()));
                case SOURCE_IP -> envoy.setConnectionProperties(RouteAction.HashPolicy.ConnectionProperties
                        .newBuilder().setSourceIp(true));
            }
            result.add(envoy.build());
        }
        return List.copyOf(result);
    }

    private static void headerModifiers(List<?> filters, Route.Builder route) {
        for (Object filter : filters) {
            if (filter instanceof RequestHeaderModifier m) {
                route.addAllRequestHeadersToAdd(headerOptions(m)).addAllRequestHeadersToRemove(m.remove());
            } else if (filter instanceof ResponseHeaderModifier m) {
                route.addAllResponseHeadersToAdd(headerOptions(m)).addAllResponseHeadersToRemove(m.remove());
            }
        }
    }

    private static List<HeaderValueOption> headerOptions(HeaderModifier modifier) {
        List<HeaderValueOption> options = new ArrayList<>();
        for (HttpHeader header : modifier.set()) {
            options.add(headerOption(header, HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
        }
        for (HttpHeader header : modifier.add()) {
            options.add(headerOption(header, HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD));
        }
        return options;
    }

    private static HeaderValueOption headerOption(HttpHeader header, HeaderValueOption.HeaderAppendAction action) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(header.name()).setValue(header.value()))
                .setAppendAction(action).build();
    }

    private static RedirectAction redirect(RequestRedirect redirect) {
        RedirectAction.Builder envoy = RedirectAction.newBuilder();
        if (redirect.scheme() != null) {
            envoy.setSchemeRedirect(redirect.scheme());
        }
        if (redirect.hostname() != null) {
            envoy.setHostRedirect(redirect.hostname());
        }
        if (redirect.port() != null) {
            envoy.setPortRedirect(redirect.port());
        }
        if (redirect.path() != null) {
            if (redirect.path().type() == PathModifierType.REPLACE_FULL_PATH) {
                envoy.setPathRedirect(redirect.path().value());
            } else {
                envoy.setPrefixRewrite(redirect.path().value());
            }
        }
        envoy.setResponseCode(switch (redirect.statusCode()) {
            case 301 -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
            case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
            case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
            case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
            default -> RedirectAction.RedirectResponseCode.FOUND;
        });
        return envoy.build();
    }

    private static HeaderMatcher header(HeaderMatch match) {
        return HeaderMatcher.newBuilder().setName(match.name().toLowerCase(Locale.ROOT))
                .setStringMatch(stringMatcher(match.type(), match.value())).build();
    }

    private static QueryParameterMatcher query(QueryParamMatch match) {
        return QueryParameterMatcher.newBuilder().setName(match.name())
                .setStringMatch(stringMatcher(match.type(), match.value())).build();
    }

    private static StringMatcher stringMatcher(MatchType type, String value) {
        return type == MatchType.REGULAR_EXPRESSION ? StringMatcher.newBuilder().setSafeRegex(regex(value)).build()
                : StringMatcher.newBuilder().setExact(value).build();
    }

    private static RegexMatcher regex(String regex) {
        return RegexMatcher.newBuilder().setRegex(regex).build();
    }

    /** {@code text} as an RE2 literal. */
    static String quote(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 8);
        for (char c : text.toCharArray()) {
            if ("\\.+*?()|[]{}^$".indexOf(c) >= 0) {
                quoted.append('\\');
            }
            quoted.append(c);
        }
        return quoted.toString();
    }

    static FractionalPercent fraction(Fraction fraction) {
        Fraction f = fraction == null ? Fraction.ALL : fraction;
        return switch (f.denominator()) {
            case 100 -> FractionalPercent.newBuilder().setNumerator(f.numerator())
                    .setDenominator(FractionalPercent.DenominatorType.HUNDRED).build();
            case 10_000 -> FractionalPercent.newBuilder().setNumerator(f.numerator())
                    .setDenominator(FractionalPercent.DenominatorType.TEN_THOUSAND).build();
            default -> FractionalPercent.newBuilder()
                    .setNumerator((int) ((long) f.numerator() * 1_000_000L / f.denominator()))
                    .setDenominator(FractionalPercent.DenominatorType.MILLION).build();
        };
    }

    static com.google.protobuf.Duration duration(Duration duration) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(duration.getSeconds())
                .setNanos(duration.getNano()).build();
    }

    /** One match of one rule, with what orders it among the Service's routes. */
    private record Candidate(int kindRank, int pathRank, int pathLength, int methodRank, int headers, int queries,
                             String namespace, String name, int rule, int match, RouteMatch routeMatch,
                             RuleAction action) {

        static final Comparator<Candidate> ORDER = Comparator.comparingInt(Candidate::kindRank)
                .thenComparingInt(Candidate::pathRank)
                .thenComparing(Comparator.comparingInt(Candidate::pathLength).reversed())
                .thenComparingInt(Candidate::methodRank)
                .thenComparing(Comparator.comparingInt(Candidate::headers).reversed())
                .thenComparing(Comparator.comparingInt(Candidate::queries).reversed())
                .thenComparing(Candidate::namespace)
                .thenComparing(Candidate::name)
                .thenComparingInt(Candidate::rule)
                .thenComparingInt(Candidate::match);

        Route build(RouteTranslator t, Set<ClusterRef> clusters) {
            return action.toRoute(t, namespace + "/" + name + "/rule" + rule + "/match" + match, routeMatch,
                    clusters);
        }
    }
}
