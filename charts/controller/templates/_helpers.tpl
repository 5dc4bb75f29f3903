{{/* Names and labels shared by every template of the chart. */}}

{{- define "controller.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name; Kubernetes names are at most 63 characters. */}}
{{- define "controller.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "controller.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "controller.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "controller.selectorLabels" -}}
app.kubernetes.io/name: {{ include "controller.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "controller.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "controller.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "controller.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The RAN endpoint the control silos drive: the chart's simulator, or ran.url. */}}
{{- define "controller.ranUrl" -}}
{{- if .Values.ranSim.enabled }}
{{- printf "http://%s-ran-sim:%d" (include "controller.fullname" .) (int .Values.ranSim.port) }}
{{- else }}
{{- required "ran.url is required when ranSim.enabled is false" .Values.ran.url }}
{{- end }}
{{- end }}

{{/*
The pod labels Orleans' Kubernetes hosting reads (orleans/serviceId, orleans/clusterId) beside the chart's
selector labels; a silo of one cluster lists the pods that carry both.
*/}}
{{- define "controller.siloPodLabels" -}}
{{ include "controller.selectorLabels" .root }}
app.kubernetes.io/component: {{ .role }}
orleans/serviceId: {{ .root.Values.orleans.serviceId | quote }}
orleans/clusterId: {{ .root.Values.orleans.clusterId | quote }}
{{- end }}

{{- define "controller.siloPodAnnotations" -}}
checksum/config: {{ include (print .root.Template.BasePath "/configmap.yaml") .root | sha256sum }}
{{- if .root.Values.metrics.scrapeAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .root.Values.http.port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- with .podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
The silo container of either role. Every setting reaches the process as an environment variable: non-secret ones
from the ConfigMap (the args refer to them as $(NAME), which Kubernetes expands), secret ones only through
secretKeyRef or a mounted Secret file, so no secret value appears in this manifest or on the command line.
*/}}
{{- define "controller.siloContainer" -}}
{{- $v := .root.Values -}}
- name: silo
  image: {{ include "controller.image" .root }}
  imagePullPolicy: {{ $v.image.pullPolicy }}
  args:
    - silo
    - --role
    - {{ .role }}
    - --membership
    - $(SILO_MEMBERSHIP)
    {{- if eq $v.membership.provider "redis" }}
    - --redis-from-env
    - CONTROLLER_REDIS
    {{- else }}
    - --table-from-env
    - CONTROLLER_AZURE_TABLE
    {{- end }}
    - --blob-from-env
    - CONTROLLER_BLOB
    - --container
    - $(SILO_BLOB_CONTAINER)
    - --cluster-id
    - $(SILO_CLUSTER_ID)
    - --service-id
    - $(SILO_SERVICE_ID)
    - --silo-port
    - $(SILO_PORT)
    - --gateway-port
    - $(SILO_GATEWAY_PORT)
    - --listen
    - $(SILO_LISTEN)
    {{- if eq .role "control" }}
    - --ran
    - $(SILO_RAN_URL)
    - --period
    - $(SILO_PERIOD_MS)
    {{- end }}
  envFrom:
    - configMapRef:
        name: {{ include "controller.fullname" .root }}
  env:
    # Orleans' Kubernetes hosting: the pod's own name, namespace and IP (downward API), and the cluster's ids from
    # the pod labels it also checks.
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - name: POD_NAMESPACE
      valueFrom:
        fieldRef:
          fieldPath: metadata.namespace
    - name: POD_IP
      valueFrom:
        fieldRef:
          fieldPath: status.podIP
    - name: ORLEANS_SERVICE_ID
      valueFrom:
        fieldRef:
          fieldPath: metadata.labels['orleans/serviceId']
    - name: ORLEANS_CLUSTER_ID
      valueFrom:
        fieldRef:
          fieldPath: metadata.labels['orleans/clusterId']
    {{- if eq $v.membership.provider "redis" }}
    - name: CONTROLLER_REDIS
      valueFrom:
        secretKeyRef:
          name: {{ $v.membership.redis.secret.name }}
          key: {{ $v.membership.redis.secret.key }}
    {{- else }}
    - name: CONTROLLER_AZURE_TABLE
      valueFrom:
        secretKeyRef:
          name: {{ $v.membership.azureTable.secret.name }}
          key: {{ $v.membership.azureTable.secret.key }}
    {{- end }}
    - name: CONTROLLER_BLOB
      valueFrom:
        secretKeyRef:
          name: {{ $v.blob.secret.name }}
          key: {{ $v.blob.secret.key }}
    - name: CONTROLLER_API_KEY_FILE
      value: /var/run/secrets/controller/api-key
  ports:
    - name: http
      containerPort: {{ $v.http.port }}
    - name: silo
      containerPort: {{ $v.orleans.siloPort }}
    - name: gateway
      containerPort: {{ $v.orleans.gatewayPort }}
  # Slow first start (libtorch, grain activation) is the startup probe's; afterwards a silo that stops answering
  # /healthz is restarted, and one whose /readyz fails (not yet in the cluster) gets no API traffic.
  startupProbe:
    httpGet:
      path: /healthz
      port: http
    periodSeconds: 2
    failureThreshold: 60
  livenessProbe:
    httpGet:
      path: /healthz
      port: http
    periodSeconds: 10
    timeoutSeconds: 2
    failureThreshold: 3
  readinessProbe:
    httpGet:
      path: /readyz
      port: http
    periodSeconds: 5
    timeoutSeconds: 2
    failureThreshold: 2
  resources:
    {{- $resources := deepCopy .resources }}
    {{- if and .gpu .gpu.enabled }}
    {{- $_ := set $resources "limits" (merge (dict .gpu.resource (int .gpu.count)) (default dict $resources.limits)) }}
    {{- $_ := set $resources "requests" (merge (dict .gpu.resource (int .gpu.count)) (default dict $resources.requests)) }}
    {{- end }}
    {{- toYaml $resources | nindent 4 }}
  securityContext:
    {{- include "controller.containerSecurityContext" . | nindent 4 }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
    - name: api-key
      mountPath: /var/run/secrets/controller
      readOnly: true
{{- end }}

{{- define "controller.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
{{- end }}

{{/* The .NET images' unprivileged user (APP_UID 1654). */}}
{{- define "controller.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1654
runAsGroup: 1654
fsGroup: 1654
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "controller.siloVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
- name: api-key
  secret:
    secretName: {{ .Values.apiKey.secret.name }}
    # 0440: read-only for the owner and the pod's fsGroup.
    defaultMode: 288
    items:
      - key: {{ .Values.apiKey.secret.key }}
        path: api-key
{{- end }}

{{/* The pod spec shared by both silo roles (ServiceAccount, security, volumes, scheduling). */}}
{{- define "controller.siloPodSpec" -}}
serviceAccountName: {{ include "controller.serviceAccountName" .root }}
automountServiceAccountToken: true
terminationGracePeriodSeconds: {{ .settings.terminationGracePeriodSeconds }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
securityContext:
  {{- include "controller.podSecurityContext" . | nindent 2 }}
containers:
  {{- include "controller.siloContainer" (dict "root" .root "role" .role "resources" .settings.resources "gpu" .settings.gpu) | nindent 2 }}
volumes:
  {{- include "controller.siloVolumes" .root | nindent 2 }}
{{- with .settings.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .settings.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .settings.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
