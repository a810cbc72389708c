"""template.yaml read the way CloudFormation reads it: YAML short forms, the SAM transform, then
intrinsic functions resolved against the resources as they are created.

The local cloud keeps no list of resources of its own: whatever the template declares is what runs.
"""

from __future__ import annotations

import copy
import graphlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LOCAL_CODE_BUCKET = "local-code"
# CloudFormation short forms and the long form each stands for.
_FUNCTIONS = "GetAtt Sub Join Select Split If Equals Not And Or FindInMap ImportValue GetAZs Base64 Cidr ToJsonString"
_SHORT_FORMS = {"Ref": "Ref", "Condition": "Condition", **{name: f"Fn::{name}" for name in _FUNCTIONS.split()}}


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that understands `!Ref`, `!GetAtt A.B`, `!Sub` and the other short forms."""


def _construct_short_form(loader: _CfnLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    long_name = _SHORT_FORMS.get(tag_suffix)
    if long_name is None:
        raise yaml.constructor.ConstructorError(None, None, f"unknown tag !{tag_suffix}", node.start_mark)
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if long_name == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {long_name: value}


_CfnLoader.add_multi_constructor("!", _construct_short_form)


def load_template_text(text: str) -> dict[str, Any]:
    document = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass with CFN tags only
    if not isinstance(document, dict) or "Resources" not in document:
        raise ValueError("not a CloudFormation template: no Resources section")
    return document


def load_structured_file(path: Path) -> Any:
    """An ASL or OpenAPI file in YAML or JSON."""
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_CfnLoader)  # noqa: S506


@dataclass(frozen=True)
class CodeLocation:
    """Where a function's or layer's code lives on this machine (the template's CodeUri / ContentUri)."""

    logical_id: str
    path: Path


@dataclass
class TransformedTemplate:
    """The CloudFormation template that the SAM transform produced, plus local code locations."""

    document: dict[str, Any]
    code: dict[str, CodeLocation] = field(default_factory=dict)  # placeholder S3 key -> local code

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.document["Resources"]
        return resources

    def code_path(self, s3_location: Mapping[str, Any]) -> Path | None:
        location = self.code.get(str(s3_location.get("S3Key", "")))
        return location.path if location else None


class _NoManagedPolicies:
    """The SAM transform asks IAM for AWS managed policy names only when a template names one by its
    short name; ours use policy templates and ARNs, so offline an empty map is the honest answer."""

    def load(self) -> dict[str, str]:
        return {}


def transform(template_path: Path, parameters: Mapping[str, str], *, region: str, account: str) -> TransformedTemplate:
    """SAM → CloudFormation, with local code paths swapped for placeholders the transform accepts."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    root = template_path.parent
    document = load_template_text(template_path.read_text(encoding="utf-8"))
    code: dict[str, CodeLocation] = {}
    globals_function = document.get("Globals", {}).get("Function", {})

    for logical_id, resource in document["Resources"].items():
        properties = resource.setdefault("Properties", {})
        kind = resource.get("Type")
        if kind == "AWS::Serverless::Function":
            code_uri = properties.get("CodeUri", globals_function.get("CodeUri"))
            if isinstance(code_uri, str) and not code_uri.startswith("s3://"):
                key = f"{logical_id}.zip"
                code[key] = CodeLocation(logical_id, (root / code_uri).resolve())
                properties["CodeUri"] = f"s3://{LOCAL_CODE_BUCKET}/{key}"
        elif kind == "AWS::Serverless::LayerVersion":
            content_uri = properties.get("ContentUri")
            if isinstance(content_uri, str) and not content_uri.startswith("s3://"):
                key = f"{logical_id}.zip"
                code[key] = CodeLocation(logical_id, (root / content_uri).resolve())
                properties["ContentUri"] = f"s3://{LOCAL_CODE_BUCKET}/{key}"
        elif kind == "AWS::Serverless::StateMachine":
            definition_uri = properties.get("DefinitionUri")
            if isinstance(definition_uri, str) and not definition_uri.startswith("s3://"):
                # What `sam package` would upload; inlined so the transform keeps the substitutions.
                properties["Definition"] = load_structured_file(root / definition_uri)
                del properties["DefinitionUri"]

    pseudo = {"AWS::Region": region, "AWS::AccountId": account, "AWS::Partition": "aws"}
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=region))
    transformed = translator.translate(
        document, parameter_values={**pseudo, **parameters}, get_managed_policy_map=_NoManagedPolicies().load
    )
    return TransformedTemplate(transformed, code)


def references(value: Any) -> set[str]:
    """Logical ids a piece of template refers to (Ref, GetAtt, ${X} and ${X.Attr} in Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            found.add(target[0] if isinstance(target, list) else str(target).split(".", 1)[0])
        if "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            text = sub[0] if isinstance(sub, list) else sub
            local_vars = set(sub[1]) if isinstance(sub, list) and len(sub) > 1 else set()
            for name in re.findall(r"\$\{([^}!][^}]*)\}", text):
                head = name.split(".", 1)[0]
                if head not in local_vars:
                    found.add(head)
        for item in value.values():
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def creation_order(resources: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Logical ids in an order where every resource comes after the ones it refers to."""
    graph: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        depends = resource.get("DependsOn", [])
        depends_on = {depends} if isinstance(depends, str) else set(depends)
        graph[logical_id] = (references(resource.get("Properties", {})) | depends_on) & set(resources)
    return list(graphlib.TopologicalSorter(graph).static_order())


class UnresolvableReference(Exception):
    """The template refers to something the local cloud cannot know (an import, an unknown attribute)."""


@dataclass
class Resolver:
    """Evaluates intrinsic functions against parameters and the resources created so far."""

    parameters: dict[str, Any]
    conditions: dict[str, Any]
    mappings: dict[str, Any]
    refs: dict[str, Any] = field(default_factory=dict)  # logical id -> what Ref returns
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)  # logical id -> GetAtt values

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.conditions[name]))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value if item != {"Ref": "AWS::NoValue"}]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            handler = self._functions().get(key)
            if handler is not None:
                return handler(argument)
        return {key: self.resolve(item) for key, item in value.items() if item != {"Ref": "AWS::NoValue"}}

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": lambda a: str(self.resolve(a[0])).join(str(x) for x in self.resolve(a[1])),
            "Fn::Select": lambda a: self.resolve(a[1])[int(self.resolve(a[0]))],
            "Fn::Split": lambda a: str(self.resolve(a[1])).split(str(self.resolve(a[0]))),
            "Fn::If": lambda a: self.resolve(a[1] if self.condition(a[0]) else a[2]),
            "Fn::Equals": lambda a: self.resolve(a[0]) == self.resolve(a[1]),
            "Fn::Not": lambda a: not self.resolve(a[0]),
            "Fn::And": lambda a: all(self.resolve(x) for x in a),
            "Fn::Or": lambda a: any(self.resolve(x) for x in a),
            "Condition": self.condition,
            "Fn::FindInMap": lambda a: self.mappings[self.resolve(a[0])][self.resolve(a[1])][self.resolve(a[2])],
            "Fn::ToJsonString": lambda a: json.dumps(self.resolve(a)),
            "Fn::GetAZs": lambda _a: [f"{self.parameters['AWS::Region']}{zone}" for zone in "abc"],
        }

    def _ref(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        raise UnresolvableReference(f"Ref {name}: no such parameter or resource (yet)")

    def _get_att(self, argument: Any) -> Any:
        logical_id, attribute = argument if isinstance(argument, list) else str(argument).split(".", 1)
        attribute = self.resolve(attribute)
        try:
            return self.attributes[logical_id][attribute]
        except KeyError:
            raise UnresolvableReference(f"GetAtt {logical_id}.{attribute} is not known locally") from None

    def _sub(self, argument: Any) -> str:
        text, local_vars = (argument[0], self.resolve(argument[1])) if isinstance(argument, list) else (argument, {})

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local_vars:
                return str(local_vars[name])
            if "." in name and name.split(".", 1)[0] not in self.parameters:
                return str(self._get_att(name.split(".", 1)))
            return str(self._ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)


def parameter_values(document: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, spec in document.get("Parameters", {}).items():
        if name in overrides:
            values[name] = overrides[name]
        elif "Default" in spec:
            values[name] = spec["Default"]
        else:
            raise ValueError(f"template parameter {name} has no default: pass it")
    return values


def deep_copy(value: Any) -> Any:
    return copy.deepcopy(value)
