/**
 * Weft's user-facing configuration: Kubernetes-style resources ({@code apiVersion}, {@code kind},
 * {@code metadata}, {@code spec}) read from YAML or JSON into immutable, validated records and written back.
 *
 * <ul>
 *   <li>{@link dev.weft.api.ResourceLoader} reads files, directories or text, all or nothing, into a
 *       {@link dev.weft.api.ResourceSet}; or throws one {@link dev.weft.api.ResourceException} listing every
 *       {@link dev.weft.api.ResourceProblem}, each located as
 *       {@code routes.yaml (document 2, HTTPRoute default/reviews): spec.rules[0].backendRefs[1].weight: must be
 *       between 0 and 1000000, got -5}.</li>
 *   <li>{@link dev.weft.api.Resource} is the envelope, {@link dev.weft.api.Kind} the kinds, and each kind's spec a
 *       record in {@link dev.weft.api.gateway} (HTTPRoute, GRPCRoute), {@link dev.weft.api.policy}
 *       (DestinationPolicy, MeshConfig), {@link dev.weft.api.registry} (Service, ServiceInstance) or
 *       {@link dev.weft.api.security} (AuthorizationPolicy).</li>
 *   <li>{@link dev.weft.api.ResourceWriter} writes resources as YAML or JSON that load back to equal records.</li>
 * </ul>
 *
 * <p>Validation here is everything a resource set can be checked for on its own: field syntax and ranges, unknown
 * fields, Gateway API rules, and the cross-resource rules of {@link dev.weft.api.ResourceSet#of}. Whether a
 * referenced Service or subset exists is for the control plane, which knows the registry. Package
 * {@code dev.weft.api.internal} holds the reading and writing machinery and is not API.
 */
package dev.weft.api;
