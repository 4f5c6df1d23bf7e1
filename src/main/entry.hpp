// main() of pg_dump-safe, shared by the program and its crash-test build.
#pragma once

namespace pds {

int main_entry(int argc, char** argv);

} // namespace pds
