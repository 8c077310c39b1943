{{/* The chart name, or nameOverride. */}}
{{- define "fjord.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The resource name prefix: fullnameOverride, else the release name (plus the chart name when it is not in it). */}}
{{- define "fjord.fullname" -}}
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

{{/* Name of the operator's Deployment, Service, (Cluster)Role and their bindings. */}}
{{- define "fjord.operatorName" -}}
{{- printf "%s-operator" (include "fjord.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "fjord.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "fjord.operatorName" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The FjordCluster's name: cluster.name, else the full name. */}}
{{- define "fjord.clusterName" -}}
{{- default (include "fjord.fullname" .) .Values.cluster.name }}
{{- end }}

{{/* The namespace the operator watches; empty for all namespaces. */}}
{{- define "fjord.watchNamespace" -}}
{{- first .Values.watchNamespaces | default "" }}
{{- end }}

{{/* Standard labels on every object of the release. */}}
{{- define "fjord.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "fjord.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: fjord
{{- end }}

{{/* Selector labels of the operator's pods. */}}
{{- define "fjord.operatorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "fjord.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "fjord.operatorImage" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
Annotations of the FjordCluster and FjordTopics. Helm cannot build a custom resource whose CRD is in the same release
until the CRD exists, so on a first install they are post-install hooks; they carry the release's ownership metadata,
so the next `helm upgrade` adopts them as ordinary release objects. Either way Helm keeps them on uninstall: they
hold user data.
*/}}
{{- define "fjord.customResourceAnnotations" -}}
helm.sh/resource-policy: keep
meta.helm.sh/release-name: {{ .Release.Name }}
meta.helm.sh/release-namespace: {{ .Release.Namespace }}
{{- if not (.Capabilities.APIVersions.Has "fjord.dev/v1alpha1/FjordCluster") }}
helm.sh/hook: post-install,post-upgrade
helm.sh/hook-delete-policy: hook-failed
{{- end }}
{{- end }}
