-- Party organisations, departments, staff and the service catalogue.

-- Party organisations mirror the units: community party committee (社区党委) → grid party branch (网格党支部)
-- → building party group (楼栋党小组).
CREATE TABLE orgs (
    code        text PRIMARY KEY,
    name        text NOT NULL CHECK (name <> ''),
    kind        text NOT NULL CHECK (kind IN ('community_party_committee', 'grid_party_branch',
                                              'building_party_group', 'party_member_household')),
    unit_code   text NOT NULL REFERENCES units (code) ON DELETE CASCADE,
    parent_code text REFERENCES orgs (code) ON DELETE SET NULL
);
CREATE INDEX orgs_unit_idx ON orgs (unit_code);

-- City departments and partners that handle dispatched cases (协同办事).
CREATE TABLE departments (
    code    text PRIMARY KEY,
    name    text NOT NULL CHECK (name <> ''),
    name_en text NOT NULL DEFAULT ''
);

-- Staff and residents known by role; scoped to a unit (or a department for department staff).
CREATE TABLE people (
    code       text PRIMARY KEY,
    name       text NOT NULL,
    phone      text NOT NULL DEFAULT '',
    role       text NOT NULL CHECK (role IN ('resident', 'grid_worker', 'grid_chief', 'dispatcher', 'department',
                                             'planner', 'admin')),
    unit_code  text REFERENCES units (code) ON DELETE SET NULL,
    dept_code  text REFERENCES departments (code) ON DELETE SET NULL
);
CREATE INDEX people_unit_idx ON people (unit_code, role);

-- The service catalogue: categories are the Open311 services. deadlines maps an urgency ("normal", "urgent")
-- to {"amount": n, "unit": "hours"|"days"} in working time.
CREATE TABLE categories (
    code           text PRIMARY KEY,
    name           text NOT NULL CHECK (name <> ''),
    name_en        text NOT NULL CHECK (name_en <> ''),
    domain         text NOT NULL CHECK (domain IN ('party_building', 'economic_development', 'social_governance',
                                                   'environmental_protection', 'market_supervision',
                                                   'public_services', 'emergency_safety')),
    level          text NOT NULL CHECK (level IN ('building', 'grid', 'community', 'street', 'department')),
    department     text REFERENCES departments (code),
    classification text NOT NULL CHECK (classification IN ('immediate', 'pending', 'escalate', 'suggestion')),
    deadlines      jsonb NOT NULL,
    public         boolean NOT NULL DEFAULT true,
    keywords       text[] NOT NULL DEFAULT '{}',
    CHECK ((level = 'department') = (department IS NOT NULL))
);

-- Small facts about the database itself, such as which demo city it holds.
CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
