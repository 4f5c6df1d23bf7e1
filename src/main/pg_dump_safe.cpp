// pg_dump-safe: a drop-in pg_dump that publishes only verified dumps. See pg_dump-safe(1).
#include "main/entry.hpp"

int main(int argc, char** argv) {
    return pds::main_entry(argc, argv);
}
