;; Source: Rosetta Code, task "Averages Mode" (https://rosettacode.org/wiki/Averages_Mode), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Averages-Mode/Clojure/averages-mode-1.clj
;;   (commit 0457928c3e38034ea922fab20d4f6723e0a604f4).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-averages-mode; -main prints the modes of the task's examples.
(ns corpus.rc-averages-mode)

(defn modes [coll]
  (let [distrib (frequencies coll)
        [value freq] [first second] ; name the key/value pairs in the distrib (map) entries
        sorted (sort-by (comp - freq) distrib)
        maxfq (freq (first sorted))]
    (map value (take-while #(= maxfq (freq %)) sorted))))

(defn -main []
  (prn (modes [1 3 6 6 6 6 7 7 12 12 17]))
  (prn (sort (modes [1 1 2 4 4]))))
