# Writes VersionInfo.inc with the source revision the build comes from, so
# that kernel caches keyed by the compiler version tell builds apart. Run at
# every build (cmake -P); the file only changes when the revision does.
#   -DSOURCE_DIR=<repo> -DOUTPUT=<file> -DVERSION=<x.y.z>
set(revision "unknown")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
                  WORKING_DIRECTORY "${SOURCE_DIR}"
                  OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE result ERROR_QUIET)
  if(result EQUAL 0)
    set(revision "g${head}")
    # Uncommitted changes to what generates kernels: their content, so that
    # every edit gives another version (and fresh cache entries).
    execute_process(COMMAND "${GIT_EXECUTABLE}" diff HEAD -- include lib
                    WORKING_DIRECTORY "${SOURCE_DIR}"
                    OUTPUT_VARIABLE diff ERROR_QUIET)
    execute_process(COMMAND "${GIT_EXECUTABLE}" ls-files --others
                            --exclude-standard -- include lib
                    WORKING_DIRECTORY "${SOURCE_DIR}"
                    OUTPUT_VARIABLE untracked ERROR_QUIET)
    set(changes "${diff}${untracked}")
    if(changes)
      string(SHA256 changesHash "${changes}")
      string(SUBSTRING "${changesHash}" 0 8 changesHash)
      set(revision "${revision}-dirty.${changesHash}")
    endif()
  endif()
endif()
file(WRITE "${OUTPUT}.tmp"
     "#define VPTQ_VERSION_STRING \"${VERSION}+${revision}\"\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
