;; Source: Rosetta Code, task "Towers of Hanoi" (https://rosettacode.org/wiki/Towers_of_Hanoi), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Towers-of-Hanoi/Clojure/towers-of-hanoi-1.clj
;;   (commit f23f22d71c285985898c796573a9c514cc8ea505).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-towers-of-hanoi; -main moves 4 disks.
(ns corpus.rc-towers-of-hanoi)

(defn towers-of-hanoi [n from to via]
  (when (pos? n)
    (towers-of-hanoi (dec n) from via to)
    (printf "Move from %s to %s\n" from to)
    (recur (dec n) via to from)))

(defn -main []
  (towers-of-hanoi 4 :left :right :middle))
