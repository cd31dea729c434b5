-- The data generation: one number that every committed write raises.
--
-- Server workers cache what they read under the generation they read it at,
-- so an entry can never be served once a later write has committed, whichever
-- process (another worker, the CLI) made that write. The unit of work raises
-- it in the same transaction as the write it counts (see unit_of_work.py).
--
-- It starts at a random value rather than 0, so that a recreated database
-- does not walk through the generations of the one it replaced while a shared
-- file cache still holds their entries. 2^48 keeps it far from overflow.
CREATE TABLE cache_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);

INSERT INTO cache_generation (id, generation) VALUES (1, random() & 281474976710655);
