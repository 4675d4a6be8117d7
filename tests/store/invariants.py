"""Consistency of the stored state, checked straight on the database after crashes and races."""

from __future__ import annotations

from sqlalchemy import Engine, text

# Each query returns the rows that break one rule; all must return none.
RULES: dict[str, str | dict[str, str]] = {
    "an association whose share is gone": """
        SELECT a.seq FROM associations a LEFT JOIN resource_shares s ON s.id = a.resource_share_id
        WHERE s.id IS NULL""",
    "an invitation whose share is gone": """
        SELECT i.seq FROM invitations i LEFT JOIN resource_shares s ON s.id = i.resource_share_id
        WHERE s.id IS NULL""",
    "an invitation whose copy of its share's name is not the share's": """
        SELECT i.seq FROM invitations i JOIN resource_shares s ON s.id = i.resource_share_id
        WHERE i.resource_share_name <> s.name""",
    "a pending invitation without its associating principal": """
        SELECT i.seq FROM invitations i WHERE i.status = 'pending' AND NOT EXISTS (
          SELECT 1 FROM associations a WHERE a.resource_share_id = i.resource_share_id
          AND a.principal_account_id = i.receiver_account_id AND a.status = 'associating')""",
    "an associating principal without its pending invitation": """
        SELECT a.seq FROM associations a WHERE a.status = 'associating' AND NOT EXISTS (
          SELECT 1 FROM invitations i WHERE i.resource_share_id = a.resource_share_id
          AND i.receiver_account_id = a.principal_account_id AND i.status = 'pending')""",
    "an external principal associated without an accepted invitation": """
        SELECT a.seq FROM associations a WHERE a.status = 'associated'
        AND a.association_type = 'principal' AND a.external = :true AND NOT EXISTS (
          SELECT 1 FROM invitations i WHERE i.resource_share_id = a.resource_share_id
          AND i.receiver_account_id = a.principal_account_id AND i.status = 'accepted')""",
    "a deleted share with a live association": """
        SELECT a.seq FROM associations a JOIN resource_shares s ON s.id = a.resource_share_id
        WHERE s.status = 'deleted' AND a.status <> 'disassociated'""",
    "a deleted share with a pending invitation": """
        SELECT i.seq FROM invitations i JOIN resource_shares s ON s.id = i.resource_share_id
        WHERE s.status = 'deleted' AND i.status = 'pending'""",
    "an account whose count of active shares is not what it owns": """
        SELECT a.id FROM accounts a WHERE a.active_shares <> (
          SELECT count(*) FROM resource_shares s
          WHERE s.owner_account_id = a.id AND s.status = 'active')""",
    "a share whose tags on its row are not its tags": {
        # Each database's own JSON text, as the store writes it (store/tags.py: RETAG).
        "sqlite": """
            SELECT s.seq FROM resource_shares s WHERE s.tags <> (
              SELECT json_group_array(json_array(t.key, t.value)) FROM (
                SELECT key, value FROM share_tags
                WHERE resource_share_id = s.id ORDER BY key) AS t)""",
        "postgresql": """
            SELECT s.seq FROM resource_shares s WHERE s.tags <> COALESCE((
              SELECT CAST(json_agg(json_build_array(t.key, t.value) ORDER BY t.key) AS TEXT)
              FROM share_tags t WHERE t.resource_share_id = s.id), '[]')""",
    },
    "a change without its audit record": """
        SELECT s.seq FROM resource_shares s WHERE NOT EXISTS (
          SELECT 1 FROM audit_records r
          WHERE r.operation IN ('CreateResourceShare', 'aws:CreateResourceShare')
          AND r.targets LIKE '%' || s.id || '%')""",
}


def broken_rules(engine: Engine, audited: bool = True) -> dict[str, int]:
    found = {}
    with engine.connect() as connection:
        for rule, queries in RULES.items():
            if rule == "a change without its audit record" and not audited:
                continue
            query = queries if isinstance(queries, str) else queries[engine.dialect.name]
            count = len(connection.execute(text(query), {"true": True}).all())
            if count:
                found[rule] = count
    return found
