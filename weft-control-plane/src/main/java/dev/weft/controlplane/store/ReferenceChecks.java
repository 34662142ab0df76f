package dev.weft.controlplane.store;

import dev.weft.api.Kind;
import dev.weft.api.Resource;
import dev.weft.api.ResourceKey;
import dev.weft.api.ResourceProblem;
import dev.weft.api.gateway.BackendObjectRef;
import dev.weft.api.gateway.GrpcBackendRef;
import dev.weft.api.gateway.GrpcRouteFilter;
import dev.weft.api.gateway.GrpcRouteRule;
import dev.weft.api.gateway.GrpcRouteSpec;
import dev.weft.api.gateway.HttpBackendRef;
import dev.weft.api.gateway.HttpRouteFilter;
import dev.weft.api.gateway.HttpRouteRule;
import dev.weft.api.gateway.HttpRouteSpec;
import dev.weft.api.gateway.ParentRef;
import dev.weft.api.gateway.RequestMirror;
import dev.weft.api.policy.DestinationPolicySpec;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.api.registry.ServicePort;
import dev.weft.api.registry.ServiceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The checks that need what the control plane knows beyond one resource set: that the Services a route or policy
 * names exist (declared, or with instances) at the ports named, and that the subsets a route names are declared.
 * Only the resources being applied are checked, so an apply never fails for a resource it does not touch.
 */
final class ReferenceChecks {

    private final Map<ResourceKey, Resource<?>> union;
    private final ServiceDirectory directory;
    private final List<ResourceProblem> problems = new ArrayList<>();

    private ReferenceChecks(Map<ResourceKey, Resource<?>> union, ServiceDirectory directory) {
        this.union = union;
        this.directory = directory;
    }

    /** The problems of {@code batch}, given everything the store would hold after it ({@code union}). */
    static List<ResourceProblem> check(List<Resource<?>> batch, Map<ResourceKey, Resource<?>> union,
                                       ServiceDirectory directory) {
        ReferenceChecks checks = new ReferenceChecks(union, directory);
        for (Resource<?> resource : batch) {
            String label = resource.key().toString();
            String namespace = resource.metadata().namespace();
            if (resource.spec() instanceof HttpRouteSpec route) {
                checks.parents(label, namespace, route.parentRefs());
                for (int r = 0; r < route.rules().size(); r++) {
                    checks.httpRule(label, namespace, route.rules().get(r), "spec.rules[" + r + "]");
                }
            } else if (resource.spec() instanceof GrpcRouteSpec route) {
                checks.parents(label, namespace, route.parentRefs());
                for (int r = 0; r < route.rules().size(); r++) {
                    checks.grpcRule(label, namespace, route.rules().get(r), "spec.rules[" + r + "]");
                }
            } else if (resource.spec() instanceof DestinationPolicySpec policy) {
                checks.service(label, "spec.targetRef.name", namespace, policy.targetRef().name());
            }
        }
        return checks.problems;
    }

    private void parents(String label, String namespace, List<ParentRef> parents) {
        for (int i = 0; i < parents.size(); i++) {
            ParentRef parent = parents.get(i);
            String path = "spec.parentRefs[" + i + "]";
            String parentNamespace = parent.namespaceOr(namespace);
            if (!service(label, path + ".name", parentNamespace, parent.name())) {
                continue;
            }
            ServiceSpec declared = declared(parentNamespace, parent.name());
            if (declared == null) {
                continue;
            }
            if (parent.port() != null && declared.ports().stream().noneMatch(p -> p.port() == parent.port())) {
                problem(label, path + ".port", "Service " + parentNamespace + "/" + parent.name() + " has no port "
                        + parent.port() + "; its ports are " + ports(declared));
            }
            if (parent.sectionName() != null
                    && declared.ports().stream().noneMatch(p -> parent.sectionName().equals(p.name()))) {
                problem(label, path + ".sectionName", "Service " + parentNamespace + "/" + parent.name()
                        + " has no port named \"" + parent.sectionName() + "\"; its ports are " + ports(declared));
            }
        }
    }

    private void httpRule(String label, String namespace, HttpRouteRule rule, String path) {
        for (int f = 0; f < rule.filters().size(); f++) {
            if (rule.filters().get(f) instanceof RequestMirror mirror) {
                backend(label, namespace, mirror.backendRef(), path + ".filters[" + f + "].requestMirror.backendRef");
            }
        }
        for (int b = 0; b < rule.backendRefs().size(); b++) {
            HttpBackendRef ref = rule.backendRefs().get(b);
            String refPath = path + ".backendRefs[" + b + "]";
            backend(label, namespace, ref.objectRef(), refPath);
            List<HttpRouteFilter> filters = ref.filters();
            for (int f = 0; f < filters.size(); f++) {
                if (filters.get(f) instanceof RequestMirror mirror) {
                    mirror(label, namespace, mirror, rule.backendRefs().size(), refPath + ".filters[" + f + "]");
                }
            }
        }
    }

    private void grpcRule(String label, String namespace, GrpcRouteRule rule, String path) {
        for (int f = 0; f < rule.filters().size(); f++) {
            if (rule.filters().get(f) instanceof RequestMirror mirror) {
                backend(label, namespace, mirror.backendRef(), path + ".filters[" + f + "].requestMirror.backendRef");
            }
        }
        for (int b = 0; b < rule.backendRefs().size(); b++) {
            GrpcBackendRef ref = rule.backendRefs().get(b);
            String refPath = path + ".backendRefs[" + b + "]";
            backend(label, namespace, ref.objectRef(), refPath);
            List<GrpcRouteFilter> filters = ref.filters();
            for (int f = 0; f < filters.size(); f++) {
                if (filters.get(f) instanceof RequestMirror mirror) {
                    mirror(label, namespace, mirror, rule.backendRefs().size(), refPath + ".filters[" + f + "]");
                }
            }
        }
    }

    /** A mirror on one backendRef is a mirror of the whole rule only when that backend is the rule's only one. */
    private void mirror(String label, String namespace, RequestMirror mirror, int backends, String path) {
        if (backends > 1) {
            problem(label, path, "a RequestMirror on one of several weighted backendRefs is not supported; "
                    + "put it in the rule's filters");
            return;
        }
        backend(label, namespace, mirror.backendRef(), path + ".requestMirror.backendRef");
    }

    private void backend(String label, String routeNamespace, BackendObjectRef ref, String path) {
        String namespace = ref.namespaceOr(routeNamespace);
        if (ref.isSubset()) {
            DestinationPolicySpec policy = subsetPolicy(namespace, ref.name());
            if (policy == null) {
                problem(label, path + ".name", "no DestinationPolicy in namespace " + namespace
                        + " declares subset \"" + ref.name() + "\"");
                return;
            }
            port(label, path, namespace, policy.targetRef().name(), ref.port());
            return;
        }
        if (service(label, path + ".name", namespace, ref.name())) {
            port(label, path, namespace, ref.name(), ref.port());
        }
    }

    private void port(String label, String path, String namespace, String service, int port) {
        ServiceSpec declared = declared(namespace, service);
        if (declared != null && declared.ports().stream().noneMatch(p -> p.port() == port)) {
            problem(label, path + ".port", "Service " + namespace + "/" + service + " has no port " + port
                    + "; its ports are " + ports(declared));
        }
    }

    /** Checks that a Service exists; true when it does. */
    private boolean service(String label, String path, String namespace, String name) {
        boolean exists = declared(namespace, name) != null || directory.hasInstances(namespace, name)
                || union.values().stream().anyMatch(r -> r.spec() instanceof ServiceInstanceSpec instance
                        && r.metadata().namespace().equals(namespace) && instance.service().equals(name));
        if (!exists) {
            problem(label, path, "Service " + namespace + "/" + name + " does not exist: declare it (kind Service) "
                    + "or register an instance of it");
        }
        return exists;
    }

    private ServiceSpec declared(String namespace, String name) {
        Resource<?> service = union.get(new ResourceKey(Kind.SERVICE, namespace, name));
        return service == null ? null : (ServiceSpec) service.spec();
    }

    private DestinationPolicySpec subsetPolicy(String namespace, String subset) {
        return union.values().stream()
                .filter(r -> r.metadata().namespace().equals(namespace))
                .flatMap(r -> r.as(DestinationPolicySpec.class).stream())
                .map(Resource::spec)
                .filter(p -> p.subsets().stream().anyMatch(s -> s.name().equals(subset)))
                .findFirst().orElse(null);
    }

    private static String ports(ServiceSpec service) {
        return service.ports().stream().map(ReferenceChecks::port).toList().toString();
    }

    private static String port(ServicePort port) {
        return Objects.requireNonNullElse(port.name(), "") + (port.name() == null ? "" : ":") + port.port();
    }

    private void problem(String label, String path, String message) {
        problems.add(new ResourceProblem(null, 0, label, path, message));
    }
}
