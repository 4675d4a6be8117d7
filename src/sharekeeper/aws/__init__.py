"""AWS's wire API over the same core (issue 28, docs/aws.md): AWS RAM (restJson1), STS
(awsQuery) and, later, AWS Organizations (awsJson1_1), told apart on the one port by the SigV4
credential scope's service. A second edge beside ``api/``: its own route table, wire structs,
ARN helpers, error table and renderer; the handlers call the same services, and the domain
never sees an ARN or an AWS field name."""
