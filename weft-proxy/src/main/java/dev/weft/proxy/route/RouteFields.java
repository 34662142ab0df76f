package dev.weft.proxy.route;

import dev.weft.proxy.config.SupportedFields;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;

/** The route-configuration fields this package interprets: its rows of the supported-subset table. */
final class RouteFields {
    private RouteFields() {
    }

    static void register(SupportedFields f) {
        f.allow(RouteConfiguration.getDescriptor(), "name", "virtual_hosts",
                "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove",
                "most_specific_header_mutations_wins", "max_direct_response_body_size_bytes", "ignore_port_in_host_matching");
        f.allow(VirtualHost.getDescriptor(), "name", "domains", "routes", "retry_policy",
                "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove");
        f.allow(Route.getDescriptor(), "name", "match", "route", "redirect", "direct_response",
                "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove");
        f.allow(RouteMatch.getDescriptor(), "prefix", "path", "safe_regex", "path_separated_prefix", "case_sensitive",
                "headers", "query_parameters", "grpc");
        f.allow(RouteMatch.GrpcRouteMatchOptions.getDescriptor());
        f.allow(HeaderMatcher.getDescriptor(), "name", "string_match", "present_match", "invert_match",
                "treat_missing_header_as_empty", "exact_match", "prefix_match", "suffix_match", "contains_match",
                "safe_regex_match");
        f.allow(QueryParameterMatcher.getDescriptor(), "name", "string_match", "present_match");
        f.allow(StringMatcher.getDescriptor(), "exact", "prefix", "suffix", "contains", "safe_regex", "ignore_case");
        f.allow(RegexMatcher.getDescriptor(), "regex", "google_re2");
        f.allow(RegexMatcher.GoogleRE2.getDescriptor());
        f.allow(RegexMatchAndSubstitute.getDescriptor(), "pattern", "substitution");
        f.allow(RouteAction.getDescriptor(), "cluster", "weighted_clusters", "prefix_rewrite", "regex_rewrite",
                "host_rewrite_literal", "timeout", "retry_policy", "hash_policy", "request_mirror_policies");
        f.allow(RouteAction.RequestMirrorPolicy.getDescriptor(), "cluster", "runtime_fraction",
                "disable_shadow_host_suffix_append");
        f.allow(RuntimeFractionalPercent.getDescriptor(), "default_value");
        f.allow(FractionalPercent.getDescriptor(), "numerator", "denominator");
        f.allow(WeightedCluster.getDescriptor(), "clusters", "total_weight");
        f.allow(WeightedCluster.ClusterWeight.getDescriptor(), "name", "weight",
                "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove");
        f.allow(io.envoyproxy.envoy.config.route.v3.RetryPolicy.getDescriptor(), "retry_on", "num_retries",
                "per_try_timeout", "retriable_status_codes", "retry_back_off", "retry_host_predicate",
                "host_selection_retry_max_attempts");
        f.allow(io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryHostPredicate.getDescriptor(), "name",
                "typed_config");
        f.allow(PreviousHostsPredicate.getDescriptor());
        f.allow(io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryBackOff.getDescriptor(), "base_interval", "max_interval");
        f.allow(RouteAction.HashPolicy.getDescriptor(), "header", "cookie", "connection_properties", "terminal");
        f.allow(RouteAction.HashPolicy.Header.getDescriptor(), "header_name");
        f.allow(RouteAction.HashPolicy.Cookie.getDescriptor(), "name");
        f.allow(RouteAction.HashPolicy.ConnectionProperties.getDescriptor(), "source_ip");
        f.allow(HeaderValueOption.getDescriptor(), "header", "append", "append_action", "keep_empty_value");
        f.allow(HeaderValue.getDescriptor(), "key", "value");
        f.allow(DirectResponseAction.getDescriptor(), "status", "body");
        f.allow(DataSource.getDescriptor(), "inline_string", "inline_bytes");
        f.allow(RedirectAction.getDescriptor(), "https_redirect", "scheme_redirect", "host_redirect", "port_redirect",
                "path_redirect", "prefix_rewrite", "regex_rewrite", "response_code", "strip_query");
    }
}
