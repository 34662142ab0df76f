package dev.weft.bench.mesh;

import dev.weft.api.Resource;
import dev.weft.api.ResourceException;
import dev.weft.api.ResourceLoader;
import java.util.List;

/**
 * The resources the mesh benchmark applies, as YAML a user would write: the demo's chat service with its two
 * versions as subsets and a weighted route (examples/mesh/chat.yaml), and a synthetic mesh of many services.
 */
final class MeshResources {
    static final String NAMESPACE = "default";
    static final String CHAT = "chat";
    static final int SERVICE_PORT = 8000;

    private MeshResources() {}

    /** The chat Service, its DestinationPolicy with subsets chat-v1 / chat-v2, and an HTTPRoute splitting v1:v2. */
    static List<Resource<?>> chat(int v1Weight, int v2Weight) {
        String yaml = """
                apiVersion: weft.dev/v1alpha1
                kind: Service
                metadata:
                  name: chat
                  namespace: default
                spec:
                  ports:
                    - name: http
                      port: 8000
                ---
                apiVersion: weft.dev/v1alpha1
                kind: DestinationPolicy
                metadata:
                  name: chat
                  namespace: default
                spec:
                  targetRef:
                    kind: Service
                    name: chat
                  loadBalancer:
                    algorithm: LEAST_REQUEST
                  subsets:
                    - name: chat-v1
                      labels:
                        version: v1
                    - name: chat-v2
                      labels:
                        version: v2
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: chat
                  namespace: default
                spec:
                  parentRefs:
                    - group: ""
                      kind: Service
                      name: chat
                      port: 8000
                  rules:
                    - backendRefs:
                        - group: weft.dev
                          kind: Subset
                          name: chat-v1
                          port: 8000
                          weight: %d
                        - group: weft.dev
                          kind: Subset
                          name: chat-v2
                          port: 8000
                          weight: %d
                      timeouts:
                        request: 30s
                      retry:
                        attempts: 2
                        backoff: 25ms
                        codes: [502, 503]
                """.formatted(v1Weight, v2Weight);
        return load(yaml, "chat.yaml");
    }

    /** The name of the {@code i}th service of the synthetic mesh. */
    static String serviceName(int i) {
        return "svc-%04d".formatted(i);
    }

    /**
     * {@code count} services, each a Service, two ServiceInstances (v1 and v2, at addresses nothing listens on:
     * the sidecar never calls them here) and an HTTPRoute with a chat rule and a default rule.
     */
    static List<Resource<?>> mesh(int count) {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < count; i++) {
            String name = serviceName(i);
            yaml.append("""
                    apiVersion: weft.dev/v1alpha1
                    kind: Service
                    metadata:
                      name: %1$s
                      namespace: default
                    spec:
                      ports:
                        - name: http
                          port: 8000
                    ---
                    apiVersion: weft.dev/v1alpha1
                    kind: ServiceInstance
                    metadata:
                      name: %1$s-v1
                      namespace: default
                      labels:
                        version: v1
                    spec:
                      service: %1$s
                      address: 10.%2$d.%3$d.1
                      port: 8000
                    ---
                    apiVersion: weft.dev/v1alpha1
                    kind: ServiceInstance
                    metadata:
                      name: %1$s-v2
                      namespace: default
                      labels:
                        version: v2
                    spec:
                      service: %1$s
                      address: 10.%2$d.%3$d.2
                      port: 8000
                    ---
                    apiVersion: gateway.networking.k8s.io/v1
                    kind: HTTPRoute
                    metadata:
                      name: %1$s
                      namespace: default
                    spec:
                      parentRefs:
                        - group: ""
                          kind: Service
                          name: %1$s
                          port: 8000
                      rules:
                        - matches:
                            - path:
                                type: PathPrefix
                                value: /v1/chat
                          backendRefs:
                            - name: %1$s
                              port: 8000
                          timeouts:
                            request: 30s
                        - backendRefs:
                            - name: %1$s
                              port: 8000
                    ---
                    """.formatted(name, i / 250, i % 250));
        }
        return load(yaml.toString(), "mesh.yaml");
    }

    private static List<Resource<?>> load(String yaml, String source) {
        try {
            return List.copyOf(new ResourceLoader().load(yaml, source).resources());
        } catch (ResourceException e) {
            // the YAML above is the benchmark's own: rejecting it means it no longer matches the resource model
            throw new IllegalStateException("the benchmark's " + source + " is invalid: " + e.getMessage(), e);
        }
    }
}
